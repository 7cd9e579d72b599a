// Messages between the chat webview and the extension host, typed once for both sides.

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
  /** code or math the user attached (the editor selection), shown above the message */
  attachment?: Attachment;
  /** for assistant turns: how the reply ended */
  stopReason?: string;
  error?: string;
}

export interface Attachment {
  fileName: string;
  languageId: string;
  text: string;
  /** 1-based first line */
  line: number;
}

/** host -> webview */
export type HostMessage =
  | { type: 'load'; turns: ChatTurn[]; busy: boolean }
  | { type: 'start'; replyIndex: number }
  | { type: 'delta'; replyIndex: number; text: string }
  | { type: 'done'; replyIndex: number; stopReason?: string; error?: string; tokensPerS?: number }
  | { type: 'attach'; attachment: Attachment | undefined }
  | { type: 'prefill'; text: string }
  /** the oldest `dropped` messages no longer fit the model's context and were left out of this reply's prompt */
  | { type: 'trimmed'; dropped: number }
  /** the host took message `id` (the webview clears its input only now) */
  | { type: 'accepted'; id: number }
  /** the host could not take message `id`; the text stays in the input */
  | { type: 'refused'; id: number; reason: string };

/** webview -> host */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'send'; id: number; text: string; attachment?: Attachment }
  | { type: 'stop' }
  | { type: 'newChat' }
  | { type: 'attachSelection' }
  | { type: 'insert'; code: string }
  | { type: 'copy'; code: string };
