// In-memory full-duplex line for tests: two io::Stream ends joined by byte queues, with
// an optional tamper hook to drop, flip or inject bytes (docs/style.md §9).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <librecord/io/stream.hpp>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace cassiopeia::test {

/** One direction of the duplex. */
class ByteQueue final {
public:
    void push(std::span<const uint8_t> data);
    /** Waits for bytes until deadline; moves all of them to out. */
    bool pop(std::vector<uint8_t>& out, librecord::io::Clock::time_point deadline);
    void clear();

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<uint8_t> m_bytes;
};

/** One end of the duplex. */
class DuplexEnd final : public librecord::io::Stream {
public:
    DuplexEnd(ByteQueue& in, ByteQueue& out) : m_in(in), m_out(out) {}

    [[nodiscard]] std::error_code read_some(std::vector<uint8_t>& out,
                                            librecord::io::Clock::time_point deadline) override;
    [[nodiscard]] std::error_code write_all(std::span<const uint8_t> data,
                                            librecord::io::Clock::time_point deadline) override;

    void discard_input() override { m_in.clear(); }

    /** Called with every write before it reaches the other end; may change the bytes. */
    std::function<void(std::vector<uint8_t>&)> tamper;

private:
    ByteQueue& m_in;
    ByteQueue& m_out;
};

/** A client end and a server end joined back to back. */
class MemoryDuplex final {
public:
    MemoryDuplex() : m_client(m_to_client, m_to_server), m_server(m_to_server, m_to_client) {}

    DuplexEnd& client() { return m_client; }

    DuplexEnd& server() { return m_server; }

    /** Bytes that appear on the server's input as if a third party wrote them. */
    void inject_to_server(std::span<const uint8_t> bytes) { m_to_server.push(bytes); }

    void inject_to_client(std::span<const uint8_t> bytes) { m_to_client.push(bytes); }

private:
    ByteQueue m_to_client;
    ByteQueue m_to_server;
    DuplexEnd m_client;
    DuplexEnd m_server;
};

}  // namespace cassiopeia::test
