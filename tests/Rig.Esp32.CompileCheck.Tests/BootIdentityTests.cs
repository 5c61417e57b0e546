using System.Collections.Generic;
using Rig.Firmware.Esp32.Settings;
using Xunit;

namespace Rig.Esp32.CompileCheck.Tests;

public sealed class BootIdentityTests
{
    [Theory]
    [InlineData(0u)]
    [InlineData(0xA1B2C3D4u)]
    [InlineData(0xFFFFFFFFu)]
    public void Consecutive_boots_of_one_device_never_share_a_boot_id(uint salt)
    {
        HashSet<uint> seen = [];
        for (uint count = 1; count <= 200_000; count++)
        {
            Assert.True(seen.Add(BootIdentity.Compute(salt, count)), "boot " + count + " repeats an earlier boot id");
        }
    }

    [Fact]
    public void The_boot_id_is_never_zero_which_commands_use_for_any_boot()
    {
        const uint count = 5;
        uint salt = unchecked(count * 2654435761u);

        Assert.NotEqual(0u, BootIdentity.Compute(salt, count));
    }

    [Fact]
    public void Two_devices_with_different_salts_walk_different_sequences()
    {
        Assert.NotEqual(BootIdentity.Compute(0x12345678u, 1), BootIdentity.Compute(0x9ABCDEF0u, 1));
    }

    [Fact]
    public void The_stored_record_is_salt_then_count_little_endian()
    {
        byte[] record = new byte[BootIdentity.RecordBytes];

        BootIdentity.Write(record, 0x11223344u, 0xA0B0C0D0u);

        Assert.Equal(new byte[] { 0x44, 0x33, 0x22, 0x11, 0xD0, 0xC0, 0xB0, 0xA0 }, record);
        Assert.Equal(0x11223344u, BootIdentity.ReadSalt(record));
        Assert.Equal(0xA0B0C0D0u, BootIdentity.ReadBootCount(record));
    }
}
