/**
 * Debian formats: pure functions and classes over strings, buffers and streams (no file
 * paths, no global state). Used by the archive (indices), incoming (upload checks) and
 * builders (result checks).
 */
export { Stanza, parseDeb822, scanDeb822, parseSingleStanza, serializeStanza, serializeDeb822, serializeField, fieldLines, foldedValue, commaList, wordList } from './deb822.js';
export type { Field, ParseOptions } from './deb822.js';
export { hasClearSignedHeader, isClearSigned, splitClearSigned } from './clearsign.js';
export type { ClearSigned } from './clearsign.js';
export { parseControlFile, scanControlFile } from './control-file.js';
export type { ControlFile } from './control-file.js';
export { checkVersion, parseVersion, isValidVersion, formatVersion, versionWithoutEpoch, compareVersions, versionSatisfies } from './version.js';
export type { DebianVersion, VersionRelation } from './version.js';
export { isValidPackageName, isValidArchitecture, unsafeFilenameReason, parseDebianFilename } from './names.js';
export type { DebianFilename, DebianFileKind } from './names.js';
export type { ListedFile } from './file-lists.js';
export { parseChangelogHead, rewriteChangelogHead } from './changelog-head.js';
export type { ChangelogHead } from './changelog-head.js';
export { checkChanges, parseChanges } from './changes.js';
export type { Changes } from './changes.js';
export type { UploadContents, UploadFile } from './upload-files.js';
export { checkDsc, parseDsc } from './dsc.js';
export type { Dsc } from './dsc.js';
export type { SourceFormat } from './source-format.js';
export { checkBuildinfo, parseBuildinfo } from './buildinfo.js';
export type { Buildinfo } from './buildinfo.js';
export { readDeb } from './deb-reader.js';
export type { DebInfo, ReadDebOptions } from './deb-reader.js';
export type { TarEntry } from './tar-member.js';
export { MultiHasher, hashStream, hashBuffer } from './hashing.js';
export type { FileHashes } from './hashing.js';
export { createCompressor, createDecompressor, compressBuffer, decompressBuffer, compressionExtension, compressionOfName } from './compression.js';
export { hasNativeXz, unxzOneCall, xzOneCallAsync } from './xz-one-call.js';
export type { Compression } from './compression.js';
export { renderPackagesStanza, assembleIndex } from './packages-index.js';
export type { PoolFile, PackagesStanzaOptions } from './packages-index.js';
export { renderSourcesStanza } from './sources-index.js';
export type { SourcesStanzaOptions } from './sources-index.js';
export { renderRelease, formatReleaseDate } from './release.js';
export type { ReleaseOptions, ReleaseFile, ReleaseHash } from './release.js';
export { renderContents, contentsPaths } from './contents.js';
export type { ContentsPackage } from './contents.js';
