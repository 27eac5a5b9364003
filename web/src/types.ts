// The shapes of API.md v1, as the client uses them.

export interface User {
  id: string;
  username: string;
  first_name: string | null;
  last_name: string | null;
  online?: boolean;
  last_seen_at?: string | null;
}

export interface Session {
  user: User;
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

export type Kind = "direct" | "group" | "channel";
export type Role = "owner" | "admin" | "member";

export interface Conversation {
  id: string;
  kind: Kind;
  name: string | null;
  owner_id: string | null;
  last_seq: number;
  member_count: number;
  my_role?: Role | null;
  updated_at: string;
}

export interface ConversationListItem extends Conversation {
  last_message: Message | null;
  unread_count: number;
}

export interface Message {
  id: string;
  conversation_id: string;
  seq: number;
  sender_id: string | null;
  content: string | null;
  reply_to_id: string | null;
  client_id: string | null;
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
  // Reactions, threads and attachments (API.md v1.1) add fields here once the server has them.
}

export interface Member {
  user: User;
  role: Role;
  last_read_seq: number;
}

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
  has_more?: boolean;
}

/** A conversation event, over the WebSocket or from `GET .../events`. */
export interface ConversationEvent {
  type: string;
  conversation_id: string;
  seq: number;
  message?: Message;
  message_id?: string;
  user_id?: string;
  role?: Role;
  conversation?: Conversation;
}
