// The README's configuration reference names every setting the schema accepts, so docs cannot drift.
import * as fs from "fs";
import * as path from "path";
import {
  azureVmHostSchema,
  certificateSchema,
  deviceEntrySchema,
  dpsSchema,
  existingHostSchema,
  provisioningSchema,
  stackSettingsSchema,
} from "../../components/config/settings";

const readme = fs.readFileSync(path.resolve(__dirname, "../../README.md"), "utf8");
const documented = (key: string) => readme.includes(`| \`${key}\``) || readme.includes(`\`${key}\`, `) || readme.includes(`, \`${key}\` |`);

test.each([
  ["stack", Object.keys(stackSettingsSchema.shape)],
  ["device", Object.keys(deviceEntrySchema.shape)],
  ["azureVm host", Object.keys(azureVmHostSchema.shape).filter((k) => k !== "type")],
  ["existing host", Object.keys(existingHostSchema.shape).filter((k) => k !== "type")],
  ["certificate", [...new Set(certificateSchema.options.flatMap((o) => Object.keys(o.shape)))]],
  ["provisioning", Object.keys(provisioningSchema.shape)],
  ["provisioning.dps", Object.keys(dpsSchema.shape)],
])("every %s setting has a row in the README", (_, keys) => {
  expect(keys.filter((k) => !documented(k))).toEqual([]);
});
