/**
 * Bodies, without sockets: JSON edits by pointer ({@link io.jrego.server.body.BodyEditor}),
 * redaction of personal data with per-request placeholders ({@link
 * io.jrego.server.body.Redactions}), the SSE framer ({@link io.jrego.server.body.SseFramer}) and
 * the streaming filter built on it ({@link io.jrego.server.body.SseFilter}), and decompression of
 * bodies that arrive in pieces ({@link io.jrego.server.body.Decoding}).
 */
package io.jrego.server.body;
