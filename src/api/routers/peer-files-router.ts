import express, { type Request, type Response } from 'express';
import type { PeerJobs } from '../../remote/peer-jobs.js';
import type { Logger } from '../../shared/logger.js';
import { authorize, sendProblem, type Authenticate } from '../api-router.js';
import { declaredLength } from '../body-limit.js';
import { sendFileAnswer } from '../text-answer.js';
import { NotFoundError } from '../../shared/errors.js';
import { peerJobCreateCall } from '../specs/peers.js';

export interface PeerFilesDeps {
  jobs: PeerJobs;
  authenticate: Authenticate;
  logger: Logger;
}

/** Who may move a peer job's files: who may create peer jobs. */
const ACCESS = { ...peerJobCreateCall, name: 'peer job file transfer' };

/**
 * The raw bytes of peer jobs: PUT /api/v1/peer_jobs/<job>/files/<name> receives a declared
 * source file (checked against its size and SHA-256), GET …/results/<name> sends a
 * result file. Errors are problem documents, as in the API.
 */
export function peerFilesRouter(deps: PeerFilesDeps): express.Router {
  const router = express.Router();
  const guarded =
    (handle: (req: Request, res: Response, signal: AbortSignal) => Promise<void>) =>
    async (req: Request, res: Response) => {
      const controller = new AbortController();
      res.on('close', () => {
        if (!res.writableFinished) controller.abort(new Error('client went away'));
      });
      try {
        authorize(ACCESS, await deps.authenticate(req));
        await handle(req, res, controller.signal);
      } catch (error) {
        if (controller.signal.aborted) return;
        deps.logger.debug('peer file transfer failed', { path: req.path, err: error });
        sendProblem(res, error);
      }
    };
  router.put(
    '/peer_jobs/:job/files/:name',
    guarded(async (req, res, signal) => {
      const { job, name } = req.params as Record<string, string>;
      await deps.jobs.receive(job!, name!, req, signal, declaredLength(req));
      res.status(204).end();
    }),
  );
  router.get(
    '/peer_jobs/:job/results/:name',
    guarded(async (req, res) => {
      const { job, name } = req.params as Record<string, string>;
      const file = deps.jobs.resultFile(job!, name!);
      const missing = () => new NotFoundError(`${name} of peer job ${job} is gone`);
      await sendFileAnswer(req, res, file, { type: 'application/octet-stream', missing });
    }),
  );
  return router;
}
