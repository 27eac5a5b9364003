// The REST side: bearer tokens, refresh on expiry, the contract's error shape.
import { clearShared, readShared, writeShared } from "./sharedSession";
import type { Session, User } from "./types";

const STORAGE_KEY = "palaver.session";

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Tokens {
  access: string;
  refresh: string;
  /** Epoch milliseconds after which the access token is treated as expired. */
  expiresAt: number;
  /** When this tab received it: of two sessions, the later one is current. */
  issuedAt: number;
  user: User;
}

let tokens: Tokens | null = load();
let refreshing: Promise<boolean> | null = null;
let onSignedOut: () => void = () => {};

function load(): Tokens | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Tokens) : null;
  } catch {
    return null;
  }
}

function store(session: Session | null): Promise<void> {
  if (!session) {
    tokens = null;
    localStorage.removeItem(STORAGE_KEY);
    return clearShared().catch(() => undefined);
  }
  // Renew a little early so a request never leaves with a token about to lapse.
  const lifetime = Math.max(session.expires_in - 30, session.expires_in / 2) * 1000;
  tokens = {
    access: session.access_token,
    refresh: session.refresh_token,
    expiresAt: Date.now() + lifetime,
    issuedAt: Date.now(),
    user: session.user,
  };
  localStorage.setItem(STORAGE_KEY, JSON.stringify(tokens));
  return writeShared(tokens).catch(() => undefined);
}

export const currentUser = () => tokens?.user ?? null;
export const whenSignedOut = (callback: () => void) => (onSignedOut = callback);

async function raw(method: string, path: string, body?: unknown, bearer?: string) {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  return fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function parse<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const error = data?.error ?? {};
    throw new ApiError(response.status, error.code ?? "internal", error.message ?? response.statusText);
  }
  return data as T;
}

/**
 * Trades the refresh token for a new session; one refresh at a time, across tabs too: a
 * refresh token is single-use, and presenting a rotated one revokes the whole session, so a
 * tab first looks whether another tab has already renewed the shared session.
 */
export function refresh(): Promise<boolean> {
  if (!tokens) return Promise.resolve(false);
  const { refresh: stale, issuedAt } = tokens;
  const renew = async () => {
    // Under the lock: has another tab renewed the session since this one read it?
    const shared = await readShared<Tokens>().catch(() => undefined);
    if (shared && shared.refresh !== stale && shared.issuedAt > issuedAt) {
      tokens = shared;
      return true;
    }
    if (tokens && tokens.refresh !== stale) return true; // adopted from another tab meanwhile
    const response = await raw("POST", "/api/auth/refresh", { refresh_token: stale });
    if (response.status === 401) {
      signOutLocally();
      return false;
    }
    // Stored in IndexedDB before the lock is released, for the next tab in line.
    await store(await parse<Session>(response));
    return true;
  };
  refreshing ??= (navigator.locks ? navigator.locks.request("palaver-refresh", renew) : renew()).finally(
    () => (refreshing = null),
  );
  return refreshing;
}

// Another tab signed out, or renewed the session: follow it.
window.addEventListener("storage", (event) => {
  if (event.key !== STORAGE_KEY) return;
  const stored = load();
  if (!stored) {
    if (tokens) signOutLocally();
  } else if (!tokens || stored.issuedAt > tokens.issuedAt) {
    tokens = stored;
  }
});

/** An access token that has not expired yet, refreshing first when needed. */
export async function accessToken(): Promise<string | null> {
  if (tokens && Date.now() >= tokens.expiresAt) await refresh();
  return tokens?.access ?? null;
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const token = await accessToken();
  let response = await raw(method, path, body, token ?? undefined);
  if (response.status === 401 && token && (await refresh())) {
    response = await raw(method, path, body, tokens!.access);
  }
  return parse<T>(response);
}

export async function signIn(username: string, password: string, register: boolean) {
  const path = register ? "/api/auth/register" : "/api/auth/login";
  const session = await parse<Session>(await raw("POST", path, { username, password }));
  await store(session);
  return session.user;
}

function signOutLocally() {
  void store(null);
  onSignedOut();
}

export async function signOut() {
  try {
    await request("POST", "/api/auth/logout");
  } finally {
    signOutLocally();
  }
}
