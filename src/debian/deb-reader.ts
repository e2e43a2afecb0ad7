import { InvalidInputError } from '../shared/errors.js';
import { ByteReader } from './byte-reader.js';
import { type Compression, compressionOfName } from './compression.js';
import { parseSingleStanza, type Stanza } from './deb822.js';
import { type FileHashes, hashBuffer, MultiHasher } from './hashing.js';
import { readAll, readTar, type TarEntry } from './tar-member.js';

/** What a .deb holds, as the archive needs it. */
export interface DebInfo {
  /** DEBIAN/control, parsed. */
  control: Stanza;
  /** DEBIAN/control as written in the package. */
  controlText: string;
  /** DEBIAN/md5sums: path (without leading `./`) → MD5. Empty when the package has none. */
  md5sums: Map<string, string>;
  /** DEBIAN/conffiles, one path per entry. */
  conffiles: string[];
  compression: { control: Compression; data: Compression };
  /** Every entry of data.tar in order, when `files` was asked for (Contents). */
  files?: TarEntry[];
  /** Size and checksums of the whole .deb, when `hashes` was asked for. */
  hashes?: FileHashes;
}

export interface ReadDebOptions {
  /** List data.tar's entries (decompresses the whole data member). Default false. */
  files?: boolean;
  /** Hash the whole .deb while reading it (reads it to the end). Default false. */
  hashes?: boolean;
  /** Names the package in error messages. */
  name?: string;
  signal?: AbortSignal;
}

const AR_MAGIC = '!<arch>\n';
const HEADER_SIZE = 60;
const CONTROL_LIMIT = 64 * 1024 * 1024;

/**
 * Reads a binary package from a byte stream (`fs.createReadStream`, an HTTP body, …) in
 * one pass with bounded memory, or from a buffer (faster for small files already read).
 * Without `files` and `hashes` it stops after control.tar.
 * Throws InvalidInputError for anything that is not a valid .deb.
 */
export async function readDeb(
  source: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ReadDebOptions = {},
): Promise<DebInfo> {
  const name = options.name ?? 'package';
  if (source instanceof Uint8Array) {
    const info = await readDeb([source], { ...options, hashes: false });
    if (options.hashes) info.hashes = hashBuffer(source);
    return info;
  }
  const hasher = options.hashes ? new MultiHasher() : undefined;
  const reader = new ByteReader(source, hasher && ((chunk) => hasher.update(chunk)), options.signal);
  try {
    const magic = await reader.read(AR_MAGIC.length);
    if (magic.toString('latin1') !== AR_MAGIC) throw invalid(name, 'not a Debian binary package (no ar archive signature)');
    await readDebianBinary(reader, name);
    const result = await readMembers(reader, name, options);
    if (hasher) {
      await reader.drain();
      result.hashes = hasher.digest();
    }
    return result;
  } finally {
    await reader.close();
  }
}

interface Member {
  name: string;
  size: number;
}

async function nextMember(reader: ByteReader, name: string): Promise<Member | undefined> {
  if (reader.offset % 2 === 1) await reader.skip(1);
  const header = await reader.read(HEADER_SIZE);
  if (header.length === 0) return undefined;
  if (header.length < HEADER_SIZE) throw invalid(name, 'truncated ar member header');
  if (header.toString('latin1', 58, 60) !== '`\n') throw invalid(name, `bad ar member header at offset ${reader.offset - HEADER_SIZE}`);
  const memberName = header.toString('latin1', 0, 16).trimEnd().replace(/\/$/, '');
  const sizeText = header.toString('latin1', 48, 58).trim();
  if (!/^\d+$/.test(sizeText)) throw invalid(name, `bad size "${sizeText}" of ar member ${memberName}`);
  return { name: memberName, size: Number(sizeText) };
}

async function readDebianBinary(reader: ByteReader, name: string): Promise<void> {
  const member = await nextMember(reader, name);
  if (member?.name !== 'debian-binary') throw invalid(name, 'first ar member is not debian-binary');
  const version = (await reader.read(member.size)).toString('latin1');
  if (!/^2\.\d+\n?$/.test(version)) throw invalid(name, `unsupported package format version "${version.trim()}"`);
}

async function readMembers(reader: ByteReader, name: string, options: ReadDebOptions): Promise<DebInfo> {
  let control: Omit<DebInfo, 'compression' | 'files'> | undefined;
  let controlCompression: Compression | undefined;
  for (;;) {
    const member = await nextMember(reader, name);
    if (!member) break;
    const compression = memberCompression(member.name, name);
    if (member.name.startsWith('_')) {
      await reader.skip(member.size);
    } else if (member.name.startsWith('control.tar') && !control) {
      controlCompression = compression;
      control = await readControlMember(reader, member, compression!, name);
    } else if (member.name.startsWith('data.tar') && control) {
      const info: DebInfo = { ...control, compression: { control: controlCompression!, data: compression! } };
      if (options.files) info.files = await listData(reader, member, compression!, name);
      return info;
    } else {
      throw invalid(name, `unexpected ar member "${member.name}"${control ? '' : ' before control.tar'}`);
    }
  }
  throw invalid(name, control ? 'missing data.tar member' : 'missing control.tar member');
}

function memberCompression(member: string, name: string): Compression | undefined {
  if (!/^(control|data)\.tar/.test(member)) return undefined;
  const compression = compressionOfName(member);
  if (compression === undefined || !/^(control|data)\.tar(\.gz|\.xz|\.zst)?$/.test(member)) {
    throw invalid(name, `unsupported member ${member} (debyard reads .gz, .xz, .zst and uncompressed)`);
  }
  return compression;
}

async function readControlMember(
  reader: ByteReader,
  member: Member,
  compression: Compression,
  name: string,
): Promise<Omit<DebInfo, 'compression' | 'files'>> {
  const texts = new Map<string, string>();
  const start = reader.offset;
  await readTar(
    reader.chunks(member.size),
    compression,
    async (entry, content) => {
      if (['control', 'md5sums', 'conffiles'].includes(entry.path) && entry.type === 'file') {
        texts.set(entry.path, (await readAll(content, CONTROL_LIMIT, `${name}: ${entry.path}`)).toString('utf8'));
      }
    },
    `${name}: ${member.name}`,
  );
  await reader.skip(member.size - (reader.offset - start));
  const controlText = texts.get('control');
  if (controlText === undefined) throw invalid(name, `${member.name} has no control file`);
  const control = parseSingleStanza(controlText, { source: `${name}: DEBIAN/control` });
  return {
    control,
    controlText,
    md5sums: parseMd5sums(texts.get('md5sums') ?? '', name),
    conffiles: (texts.get('conffiles') ?? '').split('\n').map((l) => l.trim()).filter(Boolean),
  };
}

async function listData(reader: ByteReader, member: Member, compression: Compression, name: string): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  const start = reader.offset;
  await readTar(reader.chunks(member.size), compression, async (entry) => void entries.push(entry), `${name}: ${member.name}`);
  await reader.skip(member.size - (reader.offset - start));
  return entries.filter((entry) => entry.path !== '');
}

function parseMd5sums(text: string, name: string): Map<string, string> {
  const sums = new Map<string, string>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const m = /^([0-9a-fA-F]{32}) [ *]?(.+)$/.exec(line);
    if (!m) throw invalid(name, `DEBIAN/md5sums line ${i + 1} is malformed: "${line}"`);
    sums.set(m[2]!.replace(/^\.?\//, ''), m[1]!.toLowerCase());
  });
  return sums;
}

function invalid(name: string, message: string): InvalidInputError {
  return new InvalidInputError(`${name}: ${message}`);
}
