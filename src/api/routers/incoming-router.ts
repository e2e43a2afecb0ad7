import type { Request } from 'express';
import { implement, type CallImplementation, type Principal } from '../api-router.js';
import { dputConfCall, type DputConfOutput } from '../specs/dput-conf.js';
import {
  incomingPauseCall,
  incomingResumeCall,
  type IncomingStateView,
} from '../specs/incoming.js';

/** The incoming's pause switch, as the calls use it. */
export interface IncomingSwitch {
  pause(by: string, reason: string | null): IncomingStateView;
  resume(by: string): IncomingStateView;
}

export interface IncomingRoutesDeps {
  /** The dput.cf stanzas for clients reaching the FTP incoming at `host` (named `name`). */
  /** The stanzas; only for the repositories `principal` may see. */
  dputConf(host: string, name: string | undefined, principal: Principal): DputConfOutput;
  /** The configured public URL, if any: its host name wins over the request's. */
  publicUrl: string | null;
  gate: IncomingSwitch;
}

export function incomingRoutes(deps: IncomingRoutesDeps): CallImplementation[] {
  return [
    implement(dputConfCall, ({ name }, { request, response, principal }) => {
      const output = deps.dputConf(clientHost(request, deps.publicUrl), name, principal);
      if (request.accepts(['text/plain', 'application/json']) === 'text/plain') {
        response.type('text/plain').send(output.dputConf);
      }
      return output;
    }),
    implement(incomingPauseCall, ({ reason }, { principal }) =>
      deps.gate.pause(principal.user!, reason || null),
    ),
    implement(incomingResumeCall, (_input, { principal }) => deps.gate.resume(principal.user!)),
  ];
}

/** The host name clients reach this daemon by: the public URL's, else the Host header's. */
export function clientHost(request: Request, publicUrl: string | null): string {
  if (publicUrl) return new URL(publicUrl).hostname.replace(/^\[|\]$/g, '');
  const host = request.get('host');
  if (host) return new URL(`http://${host}`).hostname.replace(/^\[|\]$/g, '');
  return request.socket.localAddress?.replace(/^::ffff:/, '') ?? 'localhost';
}
