import { type Compression, compressionOfName, decompressInOneCall } from './compression.js';
import { listSmallTar } from './small-tar.js';
import type { TarEntry } from './tar-member.js';

/** What the in-memory reader takes out of a .deb, before the control data is parsed. */
export interface DebMembers {
  /** Name of the control.tar member, e.g. `control.tar.xz`. */
  controlMember: string;
  compression: { control: Compression; data: Compression };
  /** control, md5sums and conffiles of control.tar, by name, when present. */
  controlFiles: Map<string, Buffer>;
  files?: TarEntry[];
}

/** The files of control.tar the archive reads. */
export const CONTROL_FILES = ['control', 'md5sums', 'conffiles'];

interface ArMember {
  name: string;
  data: Buffer;
}

/**
 * The fast way to read a small .deb held in memory: its ar members are cut out of the
 * buffer, control.tar (and data.tar, for `files`) decompressed in one synchronous call
 * each and listed from memory (listSmallTar). For a package of a few kilobytes, setting up
 * a decompression stream and a tar-stream pipeline per member costs several times more
 * than the decoding itself.
 *
 * Returns undefined for anything it does not read cleanly (members too big to decompress
 * in one call, an unusual layout, any corruption): the streaming reader then reads the
 * package, and gives the exact error if there is one, so both ways accept the same
 * packages and say the same about bad ones.
 */
export function readDebInMemory(deb: Buffer, files: boolean): DebMembers | undefined {
  const members = arMembers(deb);
  const [binary, control, data] = members?.filter((m) => !m.name.startsWith('_')) ?? [];
  if (binary?.name !== 'debian-binary' || !/^2\.\d+\n?$/.test(binary.data.toString('latin1'))) return undefined;
  const controlCompression = tarCompression(control, 'control');
  const dataCompression = tarCompression(data, 'data');
  if (!controlCompression || !dataCompression) return undefined;
  try {
    const controlTar = decompressInOneCall(control!.data, controlCompression);
    const dataTar = files ? decompressInOneCall(data!.data, dataCompression) : undefined;
    if (!controlTar || (files && !dataTar)) return undefined;
    const keep = (e: TarEntry) => e.type === 'file' && CONTROL_FILES.includes(e.path);
    const controlItems = listSmallTar(controlTar, keep);
    const dataItems = dataTar && listSmallTar(dataTar, () => false);
    if (!controlItems || (files && !dataItems)) return undefined;
    const result: DebMembers = {
      controlMember: control!.name,
      compression: { control: controlCompression, data: dataCompression },
      controlFiles: new Map(controlItems.filter((i) => i.content).map((i) => [i.entry.path, i.content!])),
    };
    if (dataItems) result.files = dataItems.map((i) => i.entry);
    return result;
  } catch {
    return undefined;
  }
}

/** The members of an ar archive, or undefined if it is not a clean one. */
function arMembers(deb: Buffer): ArMember[] | undefined {
  if (deb.toString('latin1', 0, 8) !== '!<arch>\n') return undefined;
  const members: ArMember[] = [];
  for (let at = 8; at < deb.length; ) {
    if (at + 60 > deb.length || deb.toString('latin1', at + 58, at + 60) !== '`\n') return undefined;
    const sizeText = deb.toString('latin1', at + 48, at + 58).trim();
    if (!/^\d+$/.test(sizeText)) return undefined;
    const size = Number(sizeText);
    const start = at + 60;
    if (start + size > deb.length) return undefined;
    const name = deb.toString('latin1', at, at + 16).trimEnd().replace(/\/$/, '');
    members.push({ name, data: deb.subarray(start, start + size) });
    at = start + size + (size % 2);
  }
  return members;
}

function tarCompression(member: ArMember | undefined, kind: 'control' | 'data'): Compression | undefined {
  if (!member || !new RegExp(`^${kind}\\.tar(\\.gz|\\.xz|\\.zst)?$`).test(member.name)) return undefined;
  return compressionOfName(member.name);
}
