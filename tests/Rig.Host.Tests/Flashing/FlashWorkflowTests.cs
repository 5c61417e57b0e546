using System;
using System.IO;
using System.Linq;
using System.Runtime.Versioning;
using System.Threading;
using System.Threading.Tasks;
using Rig.Provisioning.Flashing;
using Rig.Recording.Link;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Flashing;

[UnsupportedOSPlatform("windows")] // The credentials file is made owner-only with a Unix file mode.
public sealed class FlashWorkflowTests : IDisposable
{
    private const string User = "rig-user-42";
    private const string Password = "pa55-w0rd-xyz";

    private readonly TempDirectory _dir = new();

    public FlashWorkflowTests()
    {
        File.WriteAllText(PinMapPath, PinMapTests.Valid);
        File.WriteAllText(CredentialsPath, $"{{\"username\": \"{User}\", \"password\": \"{Password}\"}}");
        File.SetUnixFileMode(CredentialsPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllBytes(ClrPath, [0xE9, 1, 2, 3]);
    }

    private string PinMapPath => _dir.Combine("pinmap.json");

    private string CredentialsPath => _dir.Combine("login.json");

    private string ClrPath => _dir.Combine("nanoCLR.bin");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_dry_run_plans_the_steps_runs_nothing_and_masks_the_login()
    {
        var log = new StringWriter();
        var nanoff = new NoNanoff();
        var workflow = new FlashWorkflow(Job() with { DryRun = true }, log, new NoPrompt());

        var result = await workflow.RunAsync(nanoff, TestContext.Current.CancellationToken);

        Assert.Equal(FlashStatus.Planned, result.Status);
        Assert.Equal(0, nanoff.Calls);
        Assert.Contains("# 1/2 flash the nanoCLR image nanoCLR.bin", result.Text, StringComparison.Ordinal);
        Assert.Contains("# 2/2 write the device configuration (rig 'rig-9')", result.Text, StringComparison.Ordinal);
        Assert.Equal(["planned", "planned"], result.Summary!.Steps.Select(s => s.Status));
        Assert.Equal("***", result.Summary.DeviceConfig!.Value.GetProperty("mqtt").GetProperty("username").GetString());
        Assert.DoesNotContain(Password, log.ToString() + result.Text, StringComparison.Ordinal);
        Assert.Equal(PinMapPath, result.Summary.Pinmap);
        Assert.Equal("abc", workflow.Masker.Mask("abc"));
        Assert.Equal("user ***", workflow.Masker.Mask("user " + User));
    }

    [Fact]
    public async Task An_mqtts_broker_without_a_ca_file_is_refused_before_nanoff_is_looked_for()
    {
        var workflow = new FlashWorkflow(Job() with { Broker = "mqtts://broker.lab:8883" }, new StringWriter(), new NoPrompt());

        var e = await Assert.ThrowsAsync<FlashInputException>(() => workflow.RunAsync(new NoNanoff(), TestContext.Current.CancellationToken));

        Assert.Contains("needs --ca-file", e.Message, StringComparison.Ordinal);
    }

    private FlashJob Job() => new()
    {
        Port = "/dev/ttyUSB0",
        Target = "ESP32_PSRAM_REV3",
        ClrFile = ClrPath,
        RigId = "rig-9",
        Broker = "mqtt://broker.lab",
        CredentialsFile = CredentialsPath,
        PinMapFile = PinMapPath,
        WrittenBy = "rig test",
        NanoffNotFoundExitCode = 9,
    };

    private sealed class NoPrompt : ICredentialPrompt
    {
        public bool CanAsk => false;

        public MqttCredentials? Ask() => throw new InvalidOperationException("the workflow asked although CanAsk is false");
    }

    /// <summary>Counts runs; these tests expect none.</summary>
    private sealed class NoNanoff : INanoffProcess
    {
        public int Calls { get; private set; }

        public Task<NanoffRun> RunAsync(string program, System.Collections.Generic.IReadOnlyList<string> arguments, Action<string> onOutputLine, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult(new NanoffRun(1, []));
        }
    }
}
