/** A file as the socket checks see it: its type and mode bits, and its owner (node:fs Stats is one). */
export interface FileInfo {
  /** st_mode: the file type (S_IFMT bits) and the permission bits. */
  mode: number;
  uid: number;
  gid: number;
}

/** The file type bits of st_mode, and the types the checks name. */
export const S_IFMT = 0o170000;
export const FileType = {
  socket: 0o140000,
  symlink: 0o120000,
  file: 0o100000,
  block: 0o060000,
  directory: 0o040000,
  char: 0o020000,
  fifo: 0o010000,
} as const;

/** Whether `info` is of `type` (a FileType). */
export function isType(info: FileInfo, type: number): boolean {
  return (info.mode & S_IFMT) === type;
}
