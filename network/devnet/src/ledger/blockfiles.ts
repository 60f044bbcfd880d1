// Append-only block files, in the spirit of Fabric's common/ledger/blkstorage: blocks are
// appended to blockfile_NNNNNN files that roll over at a size limit, and each append is
// fsynced before it is acknowledged. Each record is [u32 length][u32 CRC-32][block bytes], so a
// block torn by a crash (short length, short data or garbage) is recognised on open and cut
// off: the files then end at the last whole block.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

export interface BlockLocation {
  file: number;
  offset: number;
  length: number;
}

export interface FilePosition {
  file: number;
  offset: number;
}

const HEADER = 8;
const fileName = (n: number) => `blockfile_${String(n).padStart(6, '0')}`;

export interface ScannedRecord {
  location: BlockLocation;
  bytes: Buffer;
}

export class BlockFiles {
  private handle?: FileHandle;
  private position: FilePosition = { file: 0, offset: 0 };
  private readers = new Map<number, FileHandle>();

  constructor(
    private readonly dir: string,
    private readonly maxFileSize = 64 * 1024 * 1024,
  ) {}

  /**
   * Opens the files and scans every whole record after `from` (the last position the index
   * knows); a torn tail is truncated and fsynced. Returns the records found, in order.
   */
  async open(from: FilePosition): Promise<{ records: ScannedRecord[]; truncatedBytes: number }> {
    mkdirSync(this.dir, { recursive: true });
    const files = readdirSync(this.dir)
      .map((f) => /^blockfile_(\d{6})$/.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    const last = files.length ? files[files.length - 1] : 0;
    const records: ScannedRecord[] = [];
    let truncatedBytes = 0;
    let pos = { ...from };
    if (from.offset > 0 && (files.length === 0 || last < from.file)) {
      throw new Error(
        `block file ${fileName(from.file)} is missing although the index refers to it`,
      );
    }
    for (let file = from.file; file <= last; file++) {
      const fh = await open(join(this.dir, fileName(file)), 'a+');
      const { size } = await fh.stat();
      let offset = file === from.file ? from.offset : 0;
      if (size < offset) {
        await fh.close();
        // Blocks that were acknowledged are gone: refuse to go on rather than fork the chain.
        throw new Error(
          `${fileName(file)} ends at ${size}, before the ${offset} bytes the index refers to`,
        );
      }
      while (offset + HEADER <= size) {
        const head = Buffer.alloc(HEADER);
        await fh.read(head, 0, HEADER, offset);
        const length = head.readUInt32BE(0);
        if (length === 0 || offset + HEADER + length > size) break;
        const bytes = Buffer.alloc(length);
        await fh.read(bytes, 0, length, offset + HEADER);
        if (crc32(bytes) !== head.readUInt32BE(4)) break;
        records.push({ location: { file, offset, length }, bytes });
        offset += HEADER + length;
      }
      if (offset < size) {
        if (file !== last)
          throw new Error(`${fileName(file)} is corrupt at ${offset}, before the last file`);
        truncatedBytes = size - offset;
        await fh.truncate(offset);
        await fh.datasync();
      }
      pos = { file, offset };
      await fh.close();
    }
    this.position = pos;
    this.handle = await open(join(this.dir, fileName(pos.file)), 'a');
    return { records, truncatedBytes };
  }

  /** Appends and fsyncs one block; resolves with its location once it is on disk. */
  async append(bytes: Uint8Array): Promise<BlockLocation> {
    if (!this.handle) throw new Error('block files are not open');
    if (
      this.position.offset > 0 &&
      this.position.offset + HEADER + bytes.length > this.maxFileSize
    ) {
      await this.handle.close();
      this.position = { file: this.position.file + 1, offset: 0 };
      this.handle = await open(join(this.dir, fileName(this.position.file)), 'a');
      // The new file's directory entry must survive a crash too.
      const dirFd = openSync(this.dir, 'r');
      try {
        fsyncSync(dirFd);
      } finally {
        closeSync(dirFd);
      }
    }
    const head = Buffer.alloc(HEADER);
    head.writeUInt32BE(bytes.length, 0);
    head.writeUInt32BE(crc32(bytes), 4);
    const record = Buffer.concat([head, bytes]);
    const location = {
      file: this.position.file,
      offset: this.position.offset,
      length: bytes.length,
    };
    let written = 0;
    while (written < record.length) {
      const { bytesWritten } = await this.handle.write(record, written, record.length - written);
      written += bytesWritten;
    }
    await this.handle.datasync();
    this.position = { file: this.position.file, offset: this.position.offset + record.length };
    return location;
  }

  /** Where the next block will be written. */
  end(): FilePosition {
    return { ...this.position };
  }

  async read(location: BlockLocation): Promise<Buffer> {
    let fh = this.readers.get(location.file);
    if (!fh) {
      fh = await open(join(this.dir, fileName(location.file)), 'r');
      this.readers.set(location.file, fh);
    }
    const bytes = Buffer.alloc(location.length);
    const { bytesRead } = await fh.read(bytes, 0, location.length, location.offset + HEADER);
    if (bytesRead !== location.length)
      throw new Error(`short read of block at ${JSON.stringify(location)}`);
    return bytes;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    for (const fh of this.readers.values()) await fh.close();
    this.readers.clear();
  }
}
