// Server-sent events framing: the part of the EventSource parsing rules that the console's stream
// reader (and the tests' client) need. No DOM here, so Node can use it too.

export interface SseMessage {
  id: string | null;
  event: string;
  /** The data lines joined with newlines; null for a block without data (ids, retry, comments). */
  data: string | null;
}

/** Cuts the complete messages off the front of `buffer` (text received so far). */
export function takeSseMessages(buffer: string): { messages: SseMessage[]; rest: string } {
  const normalized = buffer.replace(/\r\n?/g, '\n');
  const blocks = normalized.split('\n\n');
  const rest = blocks.pop() ?? '';
  const messages: SseMessage[] = [];
  for (const block of blocks) {
    let id: string | null = null;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (id !== null || data.length > 0) messages.push({ id, event, data: data.length > 0 ? data.join('\n') : null });
  }
  return { messages, rest };
}
