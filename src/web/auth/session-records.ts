// A web session as stored (db/sessions-repository.ts).

/** A web UI session; the cookie's secret is stored only as a digest. */
export interface Session {
  id: number;
  userId: number;
  csrfToken: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}
