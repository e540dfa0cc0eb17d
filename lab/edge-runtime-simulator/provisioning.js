// EDGE-RUNTIME SIMULATOR, provisioning: where the simulated runtime's IoT Hub identity comes from,
// as aziot-identityd decides it (Azure/iot-identity-service identity/aziot-identityd/src/identity.rs,
// `provision_device`). Not the runtime.
//  - source "manual": the hub and device id are config.toml's own.
//  - source "dps": the device registers itself through the Device Provisioning Service with its
//    X.509 identity (mutual TLS) and gets the hub and device id from the assignment. The client is
//    the REAL azure-iot-provisioning-device + azure-iot-provisioning-device-http with X509Security.
//    The registration id is config.toml's `registration_id`, else the identity certificate's subject
//    CN (identity.rs: "Prefer the registration ID specified in config, but use cert subject").
//    identityd keeps the assignment (identityd's `device_info` backup) and uses it on the next start
//    instead of registering again; it registers again when the hub refuses the device
//    (aziot-identityd lib.rs `reprovision_device`: a hub client error after startup reprovisions).
"use strict";
const fs = require("fs");
const { X509Certificate } = require("crypto");

/** The path of a `file://` URI of config.toml. */
function filePath(uri) {
  return String(uri).slice("file://".length);
}

function commonName(certPem) {
  const match = /(?:^|\n)CN=([^\n]*)/.exec(new X509Certificate(certPem).subject);
  return match ? match[1] : undefined;
}

/**
 * config.toml's [provisioning], read as aziot reads it; throws with aziot's reason for what it
 * refuses: a `global_endpoint` that is not a URL (aziotctl super_config.rs: `global_endpoint: Url`),
 * an attestation other than x509, identity files it cannot read.
 */
function provisioningOf(config) {
  const prov = config.provisioning || {};
  const auth = prov.source === "dps" ? prov.attestation : prov.authentication;
  if (!auth || auth.method !== "x509")
    throw new Error(`provisioning.${prov.source === "dps" ? "attestation" : "authentication"}.method must be "x509"`);
  const read = (key) => {
    try {
      return fs.readFileSync(filePath(auth[key]), "utf8");
    } catch (e) {
      throw new Error(`could not read ${key} ${auth[key]}: ${e.code || e.message}`);
    }
  };
  const identity = { cert: read("identity_cert"), key: read("identity_pk") };
  if (prov.source === "manual") {
    return { source: "manual", hub: String(prov.iothub_hostname), deviceId: String(prov.device_id), identity };
  }
  if (prov.source !== "dps") throw new Error(`provisioning.source ${JSON.stringify(prov.source)} is not manual or dps`);
  let endpoint;
  try {
    endpoint = new URL(String(prov.global_endpoint));
  } catch {
    throw new Error(`provisioning.global_endpoint ${JSON.stringify(prov.global_endpoint)} is not a URL`);
  }
  const registrationId = auth.registration_id !== undefined ? String(auth.registration_id) : commonName(identity.cert);
  return {
    source: "dps",
    globalEndpoint: endpoint.href,
    host: endpoint.hostname,
    idScope: String(prov.id_scope),
    registrationId,
    identity,
  };
}

/**
 * Registers through DPS with the real device client; resolves to { hub, deviceId } of the
 * assignment or rejects with the client's error (its `responseBody` carries DPS's error body).
 * `caPem`: trust anchors for the DPS server certificate (the lab's stand-in CA), else the system's.
 */
async function registerWithDps(p, caPem) {
  const { ProvisioningDeviceClient } = require("azure-iot-provisioning-device");
  const { Http } = require("azure-iot-provisioning-device-http");
  const { X509Security } = require("azure-iot-security-x509");
  // The transport's HTTP layer takes extra trust anchors: azure-iot-http-base Http.setOptions({ ca }).
  const { Http: HttpBase } = require(
    require.resolve("azure-iot-http-base", { paths: [require.resolve("azure-iot-provisioning-device-http")] }),
  );
  const base = new HttpBase();
  if (caPem) base.setOptions({ ca: caPem });
  const security = new X509Security(p.registrationId, { cert: p.identity.cert, key: p.identity.key });
  const client = ProvisioningDeviceClient.create(p.host, p.idScope, new Http(base), security);
  const result = await client.register();
  if (!result || result.status !== "assigned" || !result.assignedHub || !result.deviceId) {
    throw new Error(`DPS did not assign the device: ${JSON.stringify(result)}`);
  }
  return { hub: result.assignedHub, deviceId: result.deviceId };
}

/** A short reason for a failed registration: the status and DPS's error body when there is one. */
function registrationError(e) {
  const body = e && e.responseBody ? ` ${typeof e.responseBody === "string" ? e.responseBody : JSON.stringify(e.responseBody)}` : "";
  const status = e && e.response && e.response.statusCode ? ` ${e.response.statusCode}` : "";
  return `${(e && e.name) || "Error"}${status}${body || `: ${(e && e.message) || e}`}`;
}

module.exports = { provisioningOf, registerWithDps, registrationError, commonName };
