import { useState } from "preact/hooks";
import { ApiError, signIn } from "../api";
import type { User } from "../types";

export function Login({ onSignedIn }: { onSignedIn: (user: User) => void }) {
  const [register, setRegister] = useState(false);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError("");
    try {
      onSignedIn(await signIn(String(form.get("username")), String(form.get("password")), register));
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : "The server could not be reached.");
    } finally {
      setBusy(false);
    }
  }

  const heading = register ? "Create an account" : "Sign in";
  return (
    <main class="login">
      <form onSubmit={submit} aria-labelledby="login-heading">
        <h1>Palaver</h1>
        <h2 id="login-heading">{heading}</h2>
        <label>
          Username
          <input name="username" autoComplete="username" required minLength={register ? 3 : 1} autoFocus />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={register ? "new-password" : "current-password"}
            required
            minLength={register ? 8 : 1}
          />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {heading}
        </button>
        <button type="button" class="link" onClick={() => setRegister(!register)}>
          {register ? "I already have an account" : "Create an account instead"}
        </button>
      </form>
    </main>
  );
}
