namespace Rig.Firmware.Esp32.Settings
{
    using System;
    using System.IO;
    using Rig.Protocol;

    /// <summary>Reads the device configuration from the ESP32's internal storage (the nanoFramework I: drive).</summary>
    public static class SettingsFile
    {
        /// <summary>Where <c>rig flash</c> deploys it (Rig.Provisioning.Flashing.NanoffCommands.DeviceConfigPath).</summary>
        public const string DefaultPath = @"I:\rig-config.bin";

        /// <summary>The largest record the codec's limits allow (a typical one is under 2 KiB); anything past this is not ours.</summary>
        public const int MaxBytes = DeviceSettingsRecord.MaxBytes;

        public static DeviceSettings Load(string path)
        {
            byte[] bytes;
            try
            {
                if (!File.Exists(path))
                {
                    return DeviceSettings.Unavailable("no device configuration at " + path + ": run `rig flash` to write it");
                }

                using (FileStream file = new FileStream(path, FileMode.Open, FileAccess.Read))
                {
                    long length = file.Length;
                    if (length > MaxBytes)
                    {
                        return DeviceSettings.Unavailable(path + " is " + length.ToString() + " bytes, more than " + MaxBytes.ToString());
                    }

                    bytes = new byte[(int)length];
                    int read = 0;
                    while (read < bytes.Length)
                    {
                        int n = file.Read(bytes, read, bytes.Length - read);
                        if (n <= 0)
                        {
                            break;
                        }

                        read += n;
                    }

                    if (read != bytes.Length)
                    {
                        return DeviceSettings.Unavailable(path + ": read " + read.ToString() + " of " + bytes.Length.ToString() + " bytes");
                    }
                }
            }
            catch (Exception e)
            {
                // Whatever the storage driver throws, the device must reach its fault report rather than stop silently.
                return DeviceSettings.Unavailable(path + " cannot be read: " + e.Message);
            }

            return DeviceSettings.Read(bytes, 0, bytes.Length);
        }
    }
}
