// SQLite's WAL file format constants (https://www.sqlite.org/fileformat.html#the_write_ahead_log), one owner for the agent and v0.3 restore.

export const WAL_HEADER_SIZE = 32;
export const WAL_FRAME_HEADER_SIZE = 24;
/** Magic with little-endian checksum words; 0x377f0683 means big-endian words. */
export const WAL_MAGIC_LE = 0x377f0682;
export const WAL_MAGIC_BE = 0x377f0683;
export const WAL_VERSION = 3007000;

/** Bytes of one frame: its 24-byte header plus one page. */
export function walFrameSize(pageSize: number): number {
  return WAL_FRAME_HEADER_SIZE + pageSize;
}
