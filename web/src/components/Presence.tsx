import { state } from "../store";

/** A dot with a text equivalent for screen readers. */
export function Presence({ userId }: { userId: string }) {
  const online = state.online.get(userId) ?? false;
  return (
    <span
      class={`presence ${online ? "online" : "offline"}`}
      role="img"
      aria-label={online ? "online" : "offline"}
      title={online ? "online" : "offline"}
    />
  );
}
