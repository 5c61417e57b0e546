using System;
using System.Threading.Tasks;
using Rig.TestSupport;
using Xunit;

namespace Rig.Esp32.CompileCheck.Tests;

/// <summary>
/// The compile check (tests/Rig.Esp32.CompileCheck) really checks: built from a copy of the repository it succeeds, and
/// it fails with the compiler's error, at the application's use, once the application calls a member nanoFramework's
/// real mscorlib (nanoFramework.CoreLibrary from the feed) does not have or calls one with the wrong signature, once a
/// hand declaration of another nanoFramework assembly loses or misspells a member the application uses, or once the
/// application calls something firmware/BannedSymbols.txt refuses.
/// </summary>
/// <remarks>Each test runs `dotnet build` in a temporary folder (a few seconds with a warm NuGet cache).</remarks>
public sealed class CompileCheckTests
{
    private const string M2Mqtt = "firmware/Rig.Firmware.Esp32/ApiReference/nanoFramework.M2Mqtt.cs";
    private const string Wifi = "firmware/Rig.Firmware.Esp32/ApiReference/System.Device.Wifi.cs";
    private const string Link = "firmware/Rig.Firmware.Esp32/Link/MqttDeviceLink.cs";
    private const string ProbeFile = "firmware/Rig.Firmware.Esp32/CompileCheckProbe.cs";

    [Fact]
    [Trait("Category", "Slow")]
    public async Task The_undamaged_sources_pass_the_compile_check()
    {
        using CompileCheckCopy copy = new();

        BuildResult result = await copy.BuildAsync();

        Assert.True(result.ExitCode == 0, "The compile check of the repository's sources should pass:" + Environment.NewLine + result.Output);
        Assert.DoesNotContain(": error ", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task The_compile_check_compiles_against_nanoFrameworks_real_mscorlib_and_nothing_from_dotnet()
    {
        using CompileCheckCopy copy = new();

        BuildResult result = await copy.BuildAsync("-v:detailed");

        Assert.True(result.ExitCode == 0, result.Output);
        string[] references = References(result.Output);
        string mscorlib = Assert.Single(references);
        Assert.EndsWith("nanoframework.corelibrary/1.17.11/lib/mscorlib.dll", mscorlib.Replace('\\', '/'), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Calling_a_member_nanoFrameworks_mscorlib_lacks_fails_even_where_dotnet_has_it()
    {
        // string.IsNullOrWhiteSpace is in every .NET corlib and not in nanoFramework.CoreLibrary 1.17.11's mscorlib.
        using CompileCheckCopy copy = new();
        copy.Write(ProbeFile, Probe("bool blank = string.IsNullOrWhiteSpace(\"x\");"));

        BuildResult result = await copy.BuildAsync();

        AssertFailsWith(result, "error CS0117", "CompileCheckProbe.cs", "'IsNullOrWhiteSpace'");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Calling_an_mscorlib_member_with_a_signature_nanoFramework_lacks_fails_the_compile_check()
    {
        // nanoFramework's WaitHandle has WaitOne() and WaitOne(int, bool) only; .NET's WaitOne(int) is not there.
        using CompileCheckCopy copy = new();
        copy.Replace(Link, "_work.WaitOne(millis, false);", "_work.WaitOne(millis);");

        BuildResult result = await copy.BuildAsync();

        AssertFailsWith(result, "error CS7036", "MqttDeviceLink.cs", "WaitHandle.WaitOne(int, bool)");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Deleting_a_member_the_application_uses_from_a_hand_declaration_fails_the_compile_check()
    {
        using CompileCheckCopy copy = new();
        copy.Replace(M2Mqtt, "        public void Close() { throw new NotImplementedException(); }\n", string.Empty);

        BuildResult result = await copy.BuildAsync();

        AssertFailsWith(result, "error CS1061", "MqttDeviceLink.cs", "'Close'");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Misspelling_a_member_the_application_uses_in_a_hand_declaration_fails_the_compile_check()
    {
        using CompileCheckCopy copy = new();
        copy.Replace(Wifi, "public static bool Reconnect(", "public static bool Reconect(");

        BuildResult result = await copy.BuildAsync();

        AssertFailsWith(result, "error CS0117", "MqttDeviceLink.cs", "'Reconnect'");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_member_mscorlib_has_but_the_firmware_bans_fails_with_the_banned_api_analyzer()
    {
        // Thread.Sleep(int) is in nanoFramework's mscorlib, so it compiles; firmware/BannedSymbols.txt still refuses it.
        using CompileCheckCopy copy = new();
        copy.Write(ProbeFile, Probe("System.Threading.Thread.Sleep(1);"));

        BuildResult result = await copy.BuildAsync();

        AssertFailsWith(result, "error RS0030", "CompileCheckProbe.cs", "Sleep");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Disposing_a_GpioController_fails_with_the_banned_api_analyzer()
    {
        // Disposing any GpioController uninstalls nanoCLR's shared GPIO interrupt service (firmware/BannedSymbols.txt).
        using CompileCheckCopy copy = new();
        copy.Write(ProbeFile, Probe("new System.Device.Gpio.GpioController().Dispose();"));

        BuildResult result = await copy.BuildAsync();

        AssertFailsWith(result, "error RS0030", "CompileCheckProbe.cs", "Dispose");
    }

    private static string Probe(string statement) =>
        "namespace Rig.Firmware.Esp32\n{\n    internal static class CompileCheckProbe\n    {\n        internal static void Run()\n        {\n            "
        + statement + "\n        }\n    }\n}\n";

    /// <summary>The /reference: arguments of the csc command line in a detailed build log.</summary>
    private static string[] References(string output)
    {
        System.Collections.Generic.SortedSet<string> found = new(StringComparer.Ordinal);
        foreach (string token in output.Split([' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (token.StartsWith("/reference:", StringComparison.Ordinal))
            {
                found.Add(token["/reference:".Length..]);
            }
        }

        return [.. found];
    }

    private static void AssertFailsWith(BuildResult result, string error, string file, string member)
    {
        Assert.True(result.ExitCode != 0, "The damaged compile check should fail:" + Environment.NewLine + result.Output);
        bool found = false;
        foreach (string line in result.Output.Split('\n'))
        {
            if (line.Contains(error, StringComparison.Ordinal) && line.Contains(file, StringComparison.Ordinal)
                && line.Contains(member, StringComparison.Ordinal))
            {
                found = true;
                break;
            }
        }

        Assert.True(found, "Expected " + error + " about " + member + " in " + file + ":" + Environment.NewLine + result.Output);
    }
}
