// IoT Hub accepts device ids of up to 128 ASCII characters: letters, digits and - . + % _ # * ? ! ( ) , : = @ $ '
// https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-identity-registry#device-identity-properties
// Its own module, without zod: the settings schema and the IoT Hub identity provider both check it,
// and the provider's package (components/dynamicProviders) should not load the schema to do so.
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9\-.+%_#*?!(),:=@$']*$/;
