import { useEffect, useState } from "preact/hooks";
import { request } from "../api";
import { rememberUser, state } from "../store";
import type { Page, User } from "../types";

/** Searches users by name and lets the caller pick them (the signed-in user excluded). */
export function UserPicker({ label, onPick, exclude }: { label: string; onPick: (user: User) => void; exclude: Set<string> }) {
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<User[]>([]);

  useEffect(() => {
    const q = query.trim();
    if (!q) return setFound([]);
    const timer = setTimeout(async () => {
      const page = await request<Page<User>>("GET", `/api/users?q=${encodeURIComponent(q)}&limit=20`).catch(
        () => ({ items: [] as User[] }),
      );
      page.items.forEach(rememberUser);
      setFound(page.items);
    }, 200);
    return () => clearTimeout(timer);
  }, [query]);

  const shown = found.filter((user) => user.id !== state.me?.id && !exclude.has(user.id));
  return (
    <div class="picker">
      <label>
        {label}
        <input type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
      </label>
      <ul aria-label="Matching people">
        {shown.map((user) => (
          <li key={user.id}>
            <button type="button" onClick={() => onPick(user)}>
              Add {user.username}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
