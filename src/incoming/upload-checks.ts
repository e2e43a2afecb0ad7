import { promises as fs } from 'node:fs';
import type { ArchiveConfig, ResolvedDistribution } from '../archive/archive-config.js';
import { checkChanges, readChangesFileLists, type Changes } from '../debian/changes.js';
import { checkDsc, type Dsc } from '../debian/dsc.js';
import { unsafeFilenameReason } from '../debian/names.js';
import { isValidVersion, versionWithoutEpoch } from '../debian/version.js';
import type { UploadFileRecord } from '../scheduler/upload-records.js';
import type { Verifier } from '../pgp/verifier.js';
import type { Problem } from '../shared/errors.js';
import type { ArchitectureMatcher } from './architecture-matcher.js';
import type { ArchiveQueries } from './archive-queries.js';
import type { BuildableArchitectures } from './buildable-architectures.js';
import { planBuilds, type BuildPlan } from './check-architectures.js';
import { checkDistribution, type UploadsInFlight } from './check-distribution.js';
import { checkBinaryPackages } from './check-binaries.js';
import { checkSourceFiles, verifyUploadedFiles } from './check-files.js';
import { checkSignatures, REQUESTED_BY_FIELD, type SignatureCheck } from './check-signatures.js';
import { requesterOf, uploadRefusal } from './requester.js';
import { readUtf8 } from './read-utf8.js';
import {
  UNKNOWN_UPLOAD,
  type CheckResult,
  type UploadChecker,
  type UploadFacts,
  type UploadToCheck,
} from './upload-checker.js';
import { parseUploadOptions, type UploadOptions } from './upload-options.js';
import type { UploaderKeys } from './uploader-keys.js';

export interface UploadChecksDeps {
  config: ArchiveConfig;
  archive: ArchiveQueries;
  uploads: UploadsInFlight;
  verifier: Verifier;
  keys: UploaderKeys;
  builders: BuildableArchitectures;
  matcher: ArchitectureMatcher;
  aliases: Readonly<Record<string, string>>;
}

/** A .dsc larger than this is not read (real ones are a few KiB). */
const MAX_DSC_BYTES = 1024 * 1024;

/** Everything learnt about an upload while checking it. */
interface Findings {
  changesName: string;
  problems: Problem[];
  changes: Changes;
  target?: ResolvedDistribution;
  dsc?: { name: string; text: string; model?: Dsc };
  options?: UploadOptions;
  /** The auto-ports targets, resolved. */
  autoPorts: ResolvedDistribution[];
  plan?: BuildPlan;
  fromPool: UploadFileRecord[];
}

/**
 * Every check of a complete upload (the .changes, its files and signatures, the target and
 * version policy, the .dsc, what to build), each problem reported (not just the first).
 */
export class UploadChecks implements UploadChecker {
  constructor(private readonly deps: UploadChecksDeps) {}

  listedFiles(changesName: string, bytes: Buffer): { listed: string[]; problems: Problem[] } {
    const { text } = readUtf8(bytes, changesName);
    const { changes, problems } = checkChanges(text, changesName);
    if (!changes) return { listed: [], problems };
    const lists = readChangesFileLists(changes.stanza, changesName);
    const listed = lists.files
      .map((f) => f.name)
      .filter((n) => n !== changesName && unsafeFilenameReason(n) === undefined);
    // Without a readable Files field (the list dput uploads from) the files to wait for
    // are unknown, and names that could never be uploaded here never come: rejected at
    // once, with every problem of the .changes and the files of its lists already here.
    if (!changes.stanza.has('Files') || lists.problems.length > 0) return { listed, problems };
    return { listed, problems: [] };
  }

  async check(upload: UploadToCheck, signal: AbortSignal): Promise<CheckResult> {
    const decoded = readUtf8(upload.changesBytes, upload.changesName);
    const parsed = checkChanges(decoded.text, upload.changesName);
    const problems = [...decoded.problems, ...parsed.problems];
    const changes = parsed.changes;
    if (!changes) return { problems, upload: UNKNOWN_UPLOAD };
    const findings: Findings = {
      changesName: upload.changesName,
      problems,
      changes,
      fromPool: [],
      autoPorts: [],
    };
    problems.push(...changesNameProblems(upload.changesName, changes));
    this.checkTarget(findings, upload.changesName);
    problems.push(...(await verifyUploadedFiles(upload, changes.files, signal)));
    // Binary packages (with or without their source) are installed as they are, not built.
    const binary = changes.contents.binaryArchitectures.length > 0;
    if (binary) {
      problems.push(...(await checkBinaryPackages(upload, changes, findings.target, signal)));
    }
    await this.checkSource(findings, upload, binary);
    const signatures = await checkSignatures(this.deps, {
      changes: {
        name: upload.changesName,
        text: decoded.text,
        signed: changes.signed !== undefined,
      },
      ...(findings.dsc
        ? {
            dsc: {
              name: findings.dsc.name,
              text: findings.dsc.text,
              signed: findings.dsc.model?.signed !== undefined,
            },
          }
        : {}),
      ...(findings.target ? { repository: findings.target.repository } : {}),
      ...(changes.stanza.has(REQUESTED_BY_FIELD)
        ? { requestedBy: changes.stanza.get(REQUESTED_BY_FIELD)! }
        : {}),
      binary,
    });
    problems.push(...signatures.problems);
    if (signatures.problems.length === 0) this.checkAutoPorts(findings, signatures);
    return { problems, upload: facts(findings, signatures) };
  }

  /**
   * The auto-ports targets must take uploads from whom this upload is for: a port is
   * made for the uploader (checked again when it is made; the rights may change).
   */
  private checkAutoPorts(findings: Findings, signatures: SignatureCheck): void {
    const requester = requesterOf(signatures);
    for (const target of findings.autoPorts) {
      const refusal = uploadRefusal(this.deps.keys, requester, target.repository);
      if (refusal) {
        findings.problems.push({
          where: findings.changesName,
          message: `auto-ports=${target.name}: ${refusal}`,
        });
      }
    }
  }

  /** Distribution, versions, upload options, and what kind of upload this is. */
  private checkTarget(findings: Findings, changesName: string): void {
    const { changes, problems } = findings;
    const distribution = checkDistribution(this.deps, {
      where: changesName,
      distributions: changes.distributions,
      source: changes.source,
      version: changes.sourceVersion,
    });
    problems.push(...distribution.problems);
    if (distribution.target) findings.target = distribution.target;
    const options = parseUploadOptions(changes.stanza.get('Changes') ?? '');
    problems.push(
      ...options.problems.map((p) => ({ where: `${changesName}: ${p.where}`, message: p.message })),
    );
    findings.options = options.options;
    for (const port of options.options.autoPorts) {
      try {
        findings.autoPorts.push(this.deps.config.resolve(this.deps.aliases[port] ?? port));
      } catch (error) {
        problems.push({ where: changesName, message: `auto-ports: ${(error as Error).message}` });
      }
    }
  }

  /** The .dsc: its own checks, its files, what to build. */
  private async checkSource(
    findings: Findings,
    upload: UploadToCheck,
    binary: boolean,
  ): Promise<void> {
    const { changes, problems, target } = findings;
    const dscFile = changes.files.find((f) => f.parsed?.kind === 'dsc');
    if (!dscFile || !upload.has(dscFile.name) || dscFile.size > MAX_DSC_BYTES) return;
    const decoded = readUtf8(await fs.readFile(upload.pathOf(dscFile.name)), dscFile.name);
    const checked = checkDsc(decoded.text, dscFile.name);
    problems.push(...decoded.problems, ...checked.problems);
    findings.dsc = {
      name: dscFile.name,
      text: decoded.text,
      ...(checked.dsc ? { model: checked.dsc } : {}),
    };
    const dsc = checked.dsc;
    if (!dsc) return;
    const comparable = changes.source !== '' && isValidVersion(changes.sourceVersion);
    if (comparable && (dsc.source !== changes.source || dsc.version !== changes.sourceVersion)) {
      problems.push({
        where: dscFile.name,
        message: `is source ${dsc.source} ${dsc.version}, but the .changes uploads ${changes.source} ${changes.sourceVersion}`,
      });
    }
    if (!target) return;
    const sourceFiles = checkSourceFiles(this.deps.archive, {
      repository: target.repository.id,
      source: changes.source,
      dscName: dscFile.name,
      dscFiles: dsc.files,
      uploaded: changes.files,
    });
    problems.push(...sourceFiles.problems);
    findings.fromPool = sourceFiles.fromPool;
    if (!binary) await this.planBuilds(findings, dscFile.name, dsc);
  }

  /** What to build, and whether it can be built. */
  private async planBuilds(findings: Findings, dscName: string, dsc: Dsc): Promise<void> {
    const target = findings.target!;
    const planned = await planBuilds({
      dscName,
      dscArchitectures: dsc.architectures,
      distributionName: target.name,
      distribution: target.distribution,
      buildable: this.deps.builders.buildableArchitectures(
        target.distribution.codename,
        target.distribution,
      ),
      matcher: this.deps.matcher,
    });
    findings.problems.push(...planned.problems);
    findings.plan = planned.plan;
  }
}

/** `<source>_<version without epoch>_<architectures>.changes`, as dpkg-genchanges names it. */
function changesNameProblems(name: string, changes: Changes): Problem[] {
  if (!changes.source || !changes.version) return [];
  const stem = `${changes.source}_${versionWithoutEpoch(changes.version)}_`;
  if (name.startsWith(stem) && /^[a-z0-9][a-z0-9-]*\.changes$/.test(name.slice(stem.length)))
    return [];
  return [
    {
      where: name,
      message: `a .changes file is named <source>_<version>_<architecture>.changes, here ${stem}source.changes (or the architecture it holds)`,
    },
  ];
}

function facts(findings: Findings, signatures: SignatureCheck): UploadFacts {
  const { changes, target, dsc, options, plan, fromPool } = findings;
  return {
    source: changes.source || null,
    version: changes.sourceVersion || null,
    distribution: target?.name ?? changes.distributions[0] ?? null,
    repository: target?.repository.id ?? null,
    codename: target?.distribution.codename ?? null,
    suite: target?.suite.name ?? null,
    dscFile: dsc?.name ?? null,
    architectures: plan?.architectures ?? [],
    archAll: plan?.archAll ?? false,
    options: (options ?? {}) as unknown as Record<string, unknown>,
    signer: signatures.signer,
    requestedBy: signatures.requestedBy,
    changedBy: changes.changedBy ?? (changes.maintainer || null),
    files: [
      ...changes.files.map((f) => ({
        name: f.name,
        size: f.size,
        sha256: f.sha256?.toLowerCase() ?? '',
      })),
      ...fromPool,
    ],
  };
}
