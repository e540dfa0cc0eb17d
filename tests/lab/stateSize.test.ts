import { deviceStateBytes } from "../../lab/drivers/stateSize";

const urn = (name: string) => `urn:pulumi:lab::edge::edge:fleet:EdgeFleet$edge:device:EdgeDevice$command:remote:Command::${name}`;

test("each device's resources count for it, the longest id first; the fleet's own for none", () => {
  const resources = [
    { urn: urn("fleet-gw-1"), x: "a" },
    { urn: urn("fleet-gw-1-bootstrap-converge"), x: "bb" },
    { urn: urn("fleet-gw-10-bootstrap-converge"), x: "ccc" },
    { urn: urn("fleet-iothub"), x: "dddd" },
    { urn: urn("fleet"), x: "e" },
  ];
  const size = (i: number) => Buffer.byteLength(JSON.stringify(resources[i]));
  expect(deviceStateBytes(resources, ["gw-1", "gw-10", "gw-2"])).toEqual({ "gw-1": size(0) + size(1), "gw-10": size(2), "gw-2": 0 });
});
