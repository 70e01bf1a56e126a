export { AnswerFileError, PASSWORD_PLACEHOLDER, renderAnswerFile, renderAnswerFiles } from "./answer-file";
export type { AnswerPasswords } from "./answer-file";
export { checkAnswerFile } from "./check";
export { checkInstallImage, ImageMismatchError, INSTALL_IMAGES, parseWimInfo } from "./images";
export { decodeUnattendPassword, encodeUnattendPassword } from "./password";
