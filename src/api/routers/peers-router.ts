import type { PeerLogItem, PeerStatus } from '../../remote/peer-api.js';
import type { PeerJobs } from '../../remote/peer-jobs.js';
import { implement, type CallImplementation } from '../api-router.js';
import { sendJsonWithText } from '../text-answer.js';
import {
  peerJobCall,
  peerJobCreateCall,
  peerJobLogCall,
  peerJobRemoveCall,
  peerJobsCall,
  peerJobStartCall,
  peerStatusCall,
} from '../specs/peers.js';

export interface PeerRoutesDeps {
  jobs: PeerJobs;
  status(): PeerStatus;
}

/** The limits a requesting daemon sends (its distribution's), or none. */
function limitsOf(input: {
  limit_pids?: number;
  limit_memory_bytes?: number;
  limit_cpus?: number;
  limit_disk_bytes?: number;
}) {
  const limits = Object.fromEntries(
    Object.entries({
      pids: input.limit_pids,
      memoryBytes: input.limit_memory_bytes,
      cpus: input.limit_cpus,
      diskBytes: input.limit_disk_bytes,
    }).filter(([, value]) => value !== undefined),
  );
  return Object.keys(limits).length > 0 ? limits : undefined;
}

/** The calls other daemons make of this one when it is their remote builder. */
export function peerRoutes(deps: PeerRoutesDeps): CallImplementation[] {
  const { jobs } = deps;
  return [
    implement(peerStatusCall, () => deps.status()),
    implement(peerJobsCall, () => jobs.list()),
    implement(peerJobCreateCall, (input) =>
      jobs.create({
        dsc: input.dsc,
        files: input.files.map((line) => {
          const [sha256, size, name] = line.split(' ') as [string, string, string];
          return { name, size: Number(size), sha256 };
        }),
        codename: input.codename,
        architecture: input.architecture,
        archAll: input.arch_all,
        distribution: input.distribution,
        lintian: input.lintian,
        timeLimitMs: input.time_limit_ms,
        limits: limitsOf(input),
        debBuildOptions: input.deb_build_options,
        extraApt:
          input.extra_apt_sources === undefined
            ? undefined
            : {
                sources: input.extra_apt_sources,
                key: input.extra_apt_key,
                preferences: input.extra_apt_preferences,
                auth: input.extra_apt_auth,
              },
      }),
    ),
    implement(peerJobStartCall, (input) => jobs.start(input.job)),
    implement(peerJobCall, (input) => jobs.get(input.job)),
    implement(
      peerJobLogCall,
      (input, context) => {
        const { pieces, result } = jobs.log(input.job, context.signal);
        return sendJsonWithText(context, { result }, 'log', pieces);
      },
      async (input, { signal }, sink) => {
        const from = /^\d+$/.test(sink.lastEventId ?? '') ? Number(sink.lastEventId) : 0;
        const send = (item: PeerLogItem, id?: number) => sink.send(item, id);
        try {
          const result = await jobs.follow(
            input.job,
            from,
            (text, end) => {
              send({ text }, end);
              return sink.drained();
            },
            signal,
          );
          send({ result });
        } catch (error) {
          // The client went away (or the daemon stops): nothing to report to anyone.
          if (!signal.aborted) throw error;
        }
      },
    ),
    implement(peerJobRemoveCall, async (input) => {
      await jobs.remove(input.job);
      return { removed: input.job };
    }),
  ];
}
