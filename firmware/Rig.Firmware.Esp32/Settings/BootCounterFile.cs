namespace Rig.Firmware.Esp32.Settings
{
    using System;
    using System.IO;

    /// <summary>Keeps <see cref="BootIdentity"/>'s salt and boot counter in the device's internal storage.</summary>
    public static class BootCounterFile
    {
        public const string DefaultPath = @"I:\rig-boot.bin";

        /// <summary>
        /// Counts this boot and returns its boot id. If storage fails the id is still random (nanoFramework's Random
        /// mixed with the microsecond clock), just not guaranteed to differ from the last one: <paramref name="problem"/>
        /// says so for the debug output.
        /// </summary>
        public static uint NextBootId(string path, ulong nowMicros, out string problem)
        {
            Random random = new Random();
            uint fallback = (uint)random.Next() ^ ((uint)random.Next() << 1) ^ (uint)nowMicros ^ (uint)(nowMicros >> 32);
            byte[] record = new byte[BootIdentity.RecordBytes];
            uint salt = fallback;
            uint count = 0;
            problem = string.Empty;
            try
            {
                if (File.Exists(path))
                {
                    using (FileStream file = new FileStream(path, FileMode.Open, FileAccess.Read))
                    {
                        if (file.Read(record, 0, record.Length) == record.Length)
                        {
                            salt = BootIdentity.ReadSalt(record);
                            count = BootIdentity.ReadBootCount(record);
                        }
                    }
                }

                count++;
                BootIdentity.Write(record, salt, count);
                using (FileStream file = new FileStream(path, FileMode.Create, FileAccess.Write))
                {
                    file.Write(record, 0, record.Length);
                }
            }
            catch (Exception e)
            {
                // A storage fault costs the uniqueness guarantee, never the boot.
                problem = "boot counter " + path + " not kept (" + e.Message + "): this boot id is random only";
                return BootIdentity.Compute(fallback, 1);
            }

            return BootIdentity.Compute(salt, count);
        }
    }
}
