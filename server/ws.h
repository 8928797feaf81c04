/* WebSocket framing (RFC 6455), shared by the server's /pty route and `agentsh exec --pty`.
 * Strict and bounded: reserved bits, unknown opcodes, unmasked client frames (or masked
 * server frames), fragmented or long control frames, interleaved data messages, invalid
 * UTF-8 in text messages and messages over max_message are protocol errors with the close
 * code to send. Depends on libsodium (base64) only. */
#ifndef AGENTSH_SERVER_WS_H
#define AGENTSH_SERVER_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WS_MAX_MESSAGE (1u << 20)

enum ws_opcode {
	WS_CONT = 0x0,
	WS_TEXT = 0x1,
	WS_BINARY = 0x2,
	WS_CLOSE = 0x8,
	WS_PING = 0x9,
	WS_PONG = 0xa,
};

enum ws_close_code {
	WS_CLOSE_NORMAL = 1000,
	WS_CLOSE_GOING_AWAY = 1001,
	WS_CLOSE_PROTOCOL = 1002,
	WS_CLOSE_UNSUPPORTED = 1003,
	WS_CLOSE_INVALID_DATA = 1007,
	WS_CLOSE_POLICY = 1008,
	WS_CLOSE_TOO_BIG = 1009,
	WS_CLOSE_INTERNAL = 1011,
};

struct ws_reader {
	bool from_client;   /* frames must be masked (server side) / unmasked (client side) */
	size_t max_message; /* 0 = WS_MAX_MESSAGE */
	uint8_t *buf;       /* raw bytes not yet parsed */
	size_t len;
	uint8_t *msg; /* fragmented data message being assembled */
	size_t msg_len;
	int msg_opcode; /* WS_TEXT / WS_BINARY while assembling, else 0 */
};

struct ws_message {
	int opcode;       /* WS_TEXT, WS_BINARY, WS_CLOSE, WS_PING, WS_PONG */
	uint8_t *payload; /* malloc'd, NUL-terminated (not counted in len); caller frees */
	size_t len;
};

/* The Sec-WebSocket-Accept value for a Sec-WebSocket-Key: 0, or -EINVAL for a key that
 * is not the base64 of 16 bytes. */
int ws_accept_key(const char *key, char out[29]);
/* A random Sec-WebSocket-Key (client side). */
void ws_new_key(char out[25]);

/* Appends received bytes. -ENOMEM, or -E2BIG when unparsed input exceeds the bound. */
int ws_reader_feed(struct ws_reader *r, const void *data, size_t n);
/* 1 and *m filled when a whole message is ready, 0 when more input is needed, or <0 on a
 * protocol violation with *close_code set (the connection must then be closed). */
int ws_reader_next(struct ws_reader *r, struct ws_message *m, uint16_t *close_code);
void ws_reader_free(struct ws_reader *r);

/* One final frame; mask = true on the client side. Returns a malloc'd buffer, or NULL. */
uint8_t *ws_frame(int opcode, const void *payload, size_t len, bool mask, size_t *out_len);
/* Writes one frame to fd (blocking or non-blocking socket, MSG_NOSIGNAL), waiting up to
 * timeout_ms for the socket to drain. 0 or -errno. */
int ws_send(int fd, int opcode, const void *payload, size_t len, bool mask, int timeout_ms);
/* A close frame with a status code and a short reason. */
int ws_send_close(int fd, uint16_t code, const char *reason, bool mask);

bool ws_utf8_valid(const uint8_t *s, size_t n);

#endif /* !AGENTSH_SERVER_WS_H */
