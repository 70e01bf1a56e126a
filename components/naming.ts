/** Child resources are named from their component's name, as Pulumi's own component libraries do. */
export const childName = (parent: string, ...parts: string[]): string => [parent, ...parts].join("-");
