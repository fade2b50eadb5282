/**
 * An incremental server-sent events parser (WHATWG HTML, "Parsing an event stream"). Network
 * chunks split anywhere, even between the \r and \n of one line ending, so the parser keeps
 * the unfinished line and the half-built event between calls.
 */

export interface ServerSentEvent {
  /** The `event:` field; "message" when the server sent none. */
  event: string;
  /** The `data:` lines joined with \n. */
  data: string;
  /** The last `id:` seen, which a client sends back to resume. */
  id: string | undefined;
}

export class ServerSentEventParser {
  private buffer = '';
  /** A chunk ended in \r: if the next begins with \n, that \n ends nothing new. */
  private skipNewline = false;
  private eventName = '';
  private dataLines: string[] = [];
  private lastId: string | undefined;

  /** Feeds decoded text; returns the events completed by it, in order. */
  push(text: string): ServerSentEvent[] {
    let input = text;
    if (this.skipNewline && input.startsWith('\n')) {
      input = input.slice(1);
    }
    this.skipNewline = false;
    this.buffer += input;
    const events: ServerSentEvent[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const char = this.buffer[i];
      if (char !== '\n' && char !== '\r') {
        continue;
      }
      this.line(this.buffer.slice(start, i), events);
      if (char === '\r') {
        if (i + 1 === this.buffer.length) {
          this.skipNewline = true;
        } else if (this.buffer[i + 1] === '\n') {
          i++;
        }
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  /** The stream ended: a final event without its blank line is discarded, as the spec says. */
  end(): void {
    this.buffer = '';
    this.eventName = '';
    this.dataLines = [];
  }

  private line(line: string, events: ServerSentEvent[]): void {
    if (line === '') {
      this.dispatch(events);
      return;
    }
    if (line.startsWith(':')) {
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    if (field === 'event') {
      this.eventName = value;
    } else if (field === 'data') {
      this.dataLines.push(value);
    } else if (field === 'id' && !value.includes('\0')) {
      this.lastId = value;
    }
  }

  private dispatch(events: ServerSentEvent[]): void {
    if (this.dataLines.length > 0) {
      events.push({
        event: this.eventName === '' ? 'message' : this.eventName,
        data: this.dataLines.join('\n'),
        id: this.lastId,
      });
    }
    this.eventName = '';
    this.dataLines = [];
  }
}
