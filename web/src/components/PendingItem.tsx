import { retryMessage } from "../socket";
import { changed, state, type PendingMessage } from "../store";

/** A message on its way, or one the server refused, with a retry. */
export function PendingItem({ message }: { message: PendingMessage }) {
  const discard = () => {
    state.pending.delete(message.clientId);
    changed();
  };
  return (
    <article class={`message mine pending ${message.error ? "failed" : ""}`}>
      <p class="content">{message.content}</p>
      {message.error ? (
        <>
          <p class="error" role="alert">
            Not sent: {message.error}
          </p>
          <div class="actions">
            <button type="button" onClick={() => retryMessage(message.clientId)}>
              Retry
            </button>
            <button type="button" onClick={discard}>
              Discard
            </button>
          </div>
        </>
      ) : (
        <p class="meta">Sending…</p>
      )}
    </article>
  );
}
