/**
 * Turns streamed text into whole lines prefixed with "[NAME] ", so the output of several guests
 * stays attributable when interleaved in one log. Partial lines wait for their end (or flush).
 */
export class LinePrefixer {
  private partial = "";

  constructor(
    private readonly prefix: string,
    private readonly write: (line: string) => void,
  ) {}

  push(text: string): void {
    const parts = (this.partial + text).split("\n");
    this.partial = parts.pop() ?? "";
    for (const p of parts) this.write(`${this.prefix}${p.replace(/\r$/, "")}\n`);
  }

  flush(): void {
    if (this.partial) this.write(`${this.prefix}${this.partial.replace(/\r$/, "")}\n`);
    this.partial = "";
  }
}
