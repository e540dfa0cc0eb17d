// The hub's and DPS's stand-ins start on loopback only (startLoopbackTlsServer): IPv4 loopback for
// both, `::1` for the hub too. Their certificate verifies for the address they listen on, and the
// handshake asks for a client certificate without requiring one (service clients send none).
import { request } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { DpsStandin } from "../../lab/standins/dpsStandin";
import { IotHubStandin } from "../../lab/standins/iotHubStandin";
import { startLoopbackTlsServer } from "../../lab/standins/iotHubTls";

/** Why `start` refused; "started" (after stopping it) when it did not refuse. */
async function refusal(start: Promise<{ stop(): Promise<void> }>): Promise<string> {
  const started = await start.catch((e: Error) => e);
  if (started instanceof Error) return started.message;
  await started.stop();
  return "started";
}

test("the hub's stand-in starts on ::1, and refuses an address that is not loopback", async () => {
  expect(await refusal(IotHubStandin.start({ address: "::1", port: 0 }))).toBe("started");
  expect(await refusal(IotHubStandin.start({ address: "192.0.2.10" }))).toBe("the stand-in listens on loopback only, not 192.0.2.10");
  expect(await refusal(IotHubStandin.start({ address: "::2" }))).toBe("the stand-in listens on loopback only, not ::2");
});

test("the DPS stand-in refuses an address that is not IPv4 loopback, ::1 too", async () => {
  expect(await refusal(DpsStandin.start({ address: "192.0.2.10" }))).toBe("the stand-in listens on loopback only, not 192.0.2.10");
  expect(await refusal(DpsStandin.start({ address: "::1" }))).toBe("the stand-in listens on loopback only, not ::1");
});

test.each([
  ["127.0.13.1", false],
  ["::1", true],
])(
  "on %s the server's certificate verifies against its CA, and a client without a certificate is let in",
  async (address, ipv6Loopback) => {
    const { server, caCertPem } = await startLoopbackTlsServer({ address, port: 0, ipv6Loopback });
    server.on("request", (req, res) => {
      const socket = req.socket as TLSSocket;
      res.end(JSON.stringify({ authorized: socket.authorized, peer: Object.keys(socket.getPeerCertificate()).length }));
    });
    try {
      const { port } = server.address() as AddressInfo;
      const body = await new Promise<string>((resolve, reject) => {
        request({ host: address, port, path: "/", ca: caCertPem }, (res) => {
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString("utf8")));
          res.on("end", () => resolve(text));
        })
          .on("error", reject)
          .end();
      });
      expect(JSON.parse(body)).toEqual({ authorized: false, peer: 0 });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  },
);
