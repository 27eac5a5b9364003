import { useState } from "preact/hooks";
import { ApiError, request } from "../api";
import { useModal } from "../hooks";
import { changed, conversationDeleted, displayName, loadMembers, state, title, type ConversationState } from "../store";
import type { Role } from "../types";
import { Presence } from "./Presence";
import { UserPicker } from "./UserPicker";

/** Members and their roles; adding, removing, promoting, leaving, renaming, deleting. */
export function MembersDialog({ entry, onClose }: { entry: ConversationState; onClose: () => void }) {
  const ref = useModal(onClose);
  const [error, setError] = useState("");
  const [name, setName] = useState(entry.conversation.name ?? "");
  const id = entry.conversation.id;
  const me = state.me?.id ?? "";
  const myRole = entry.members?.get(me)?.role;
  const manager = myRole === "owner" || myRole === "admin";
  const direct = entry.conversation.kind === "direct";
  const members = [...(entry.members?.values() ?? [])];

  async function act(action: () => Promise<unknown>, after?: () => void) {
    setError("");
    try {
      await action();
      after ? after() : await loadMembers(entry);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : "That did not work; try again.");
    }
  }

  const leaveOrDelete = (path: string, method: string) =>
    act(() => request(method, path), () => {
      conversationDeleted(id);
      ref.current?.close();
    });

  return (
    <dialog ref={ref} aria-labelledby="members-heading">
      <h2 id="members-heading">Members of {title(entry)}</h2>
      <ul class="members" aria-label="Members">
        {members.map((member) => (
          <li key={member.user.id}>
            <Presence userId={member.user.id} /> {displayName(member.user.id)} <span class="kind">{member.role}</span>
            {!direct && myRole === "owner" && member.role !== "owner" && (
              <button type="button" onClick={() => act(() => request("PATCH", `/api/conversations/${id}/members/${member.user.id}`, { role: (member.role === "admin" ? "member" : "admin") as Role }))}>
                {member.role === "admin" ? `Make ${member.user.username} a member` : `Make ${member.user.username} an admin`}
              </button>
            )}
            {!direct && manager && member.user.id !== me && member.role !== "owner" && (
              <button type="button" onClick={() => act(() => request("DELETE", `/api/conversations/${id}/members/${member.user.id}`))}>
                Remove {member.user.username}
              </button>
            )}
          </li>
        ))}
      </ul>
      {!direct && manager && (
        <>
          <UserPicker label="Add people" exclude={new Set(members.map((m) => m.user.id))}
            onPick={(user) => act(() => request("POST", `/api/conversations/${id}/members`, { user_ids: [user.id] }))} />
          <form onSubmit={(e) => { e.preventDefault(); void act(() => request("PATCH", `/api/conversations/${id}`, { name }), () => { entry.conversation.name = name; changed(); }); }}>
            <label>
              Conversation name
              <input value={name} onInput={(e) => setName(e.currentTarget.value)} required />
            </label>
            <button type="submit">Rename</button>
          </form>
        </>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="dialog-actions">
        {!direct && (
          <button type="button" onClick={() => confirm("Leave this conversation?") && leaveOrDelete(`/api/conversations/${id}/members/${me}`, "DELETE")}>
            Leave
          </button>
        )}
        {myRole === "owner" && (
          <button type="button" class="danger" onClick={() => confirm("Delete this conversation for everyone?") && leaveOrDelete(`/api/conversations/${id}`, "DELETE")}>
            Delete conversation
          </button>
        )}
        <button type="button" onClick={() => ref.current?.close()}>
          Close
        </button>
      </div>
    </dialog>
  );
}
