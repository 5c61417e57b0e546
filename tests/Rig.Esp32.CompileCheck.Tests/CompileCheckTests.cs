using System;
using System.Threading.Tasks;
using Rig.TestSupport;
using Xunit;

namespace Rig.Esp32.CompileCheck.Tests;

/// <summary>
/// The compile check (tests/Rig.Esp32.CompileCheck) really checks: built from a copy of the repository it succeeds, and
/// it fails with the compiler's error, at the application's use, once the API reference loses a member the application
/// uses, misspells it or changes its signature, or the application calls something nanoFramework does not have.
/// </summary>
/// <remarks>Each test runs `dotnet build` in a temporary folder (a few seconds with a warm NuGet cache).</remarks>
public sealed class CompileCheckTests
{
    private const string M2Mqtt = "firmware/Rig.Firmware.Esp32/ApiReference/nanoFramework.M2Mqtt.cs";
    private const string Wifi = "firmware/Rig.Firmware.Esp32/ApiReference/System.Device.Wifi.cs";
    private const string CoreLibrary = "firmware/Rig.Firmware.Esp32/ApiReference/CoreLibrary.cs";
    private const string ProbeFile = "firmware/Rig.Firmware.Esp32/CompileCheckProbe.cs";

    private const string SleepProbe = """
        namespace Rig.Firmware.Esp32
        {
            internal static class CompileCheckProbe
            {
                internal static void Pause()
                {
                    System.Threading.Thread.Sleep(1);
                }
            }
        }

        """;

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
    public async Task Deleting_a_member_the_application_uses_fails_the_compile_check()
    {
        using CompileCheckCopy copy = new();
        copy.Replace(M2Mqtt, "        public void Close() { throw new NotImplementedException(); }\n", string.Empty);

        BuildResult result = await copy.BuildAsync();

        AssertFailsWith(result, "error CS1061", "MqttDeviceLink.cs", "'Close'");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Misspelling_a_member_the_application_uses_fails_the_compile_check()
    {
        using CompileCheckCopy copy = new();
        copy.Replace(Wifi, "public static bool Reconnect(", "public static bool Reconect(");

        BuildResult result = await copy.BuildAsync();

        AssertFailsWith(result, "error CS0117", "MqttDeviceLink.cs", "'Reconnect'");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Changing_the_signature_of_a_member_the_application_uses_fails_the_compile_check()
    {
        using CompileCheckCopy copy = new();
        copy.Replace(CoreLibrary, "public virtual bool WaitOne(int millisecondsTimeout, bool exitContext)", "public virtual bool WaitOne(int millisecondsTimeout)");

        BuildResult result = await copy.BuildAsync();

        AssertFailsWith(result, "error CS1501", "MqttDeviceLink.cs", "'WaitOne'");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Calling_a_member_the_reference_does_not_declare_fails_even_where_dotnet_has_it()
    {
        // Thread.Sleep(int) exists in .NET and in nanoFramework, but not in the reference, which declares only what the
        // application uses: no .NET assembly takes part in the compile check, so nothing else can satisfy the call.
        using CompileCheckCopy copy = new();
        copy.Write(ProbeFile, SleepProbe);

        BuildResult result = await copy.BuildAsync();

        AssertFailsWith(result, "error CS0117", "CompileCheckProbe.cs", "'Sleep'");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_declared_but_banned_member_fails_with_the_banned_api_analyzer()
    {
        // Declared as nanoFramework declares it (CoreLibrary, System/Threading/Thread.cs), Thread.Sleep compiles, and
        // firmware/BannedSymbols.txt still refuses it in the application's code: the subset rules apply to the app.
        using CompileCheckCopy copy = new();
        copy.Replace(
            CoreLibrary,
            "        public void Start() { throw new NotImplementedException(); }\n",
            "        public void Start() { throw new NotImplementedException(); }\n\n        public static void Sleep(int millisecondsTimeout) { throw new NotImplementedException(); }\n");
        copy.Write(ProbeFile, SleepProbe);

        BuildResult result = await copy.BuildAsync();

        AssertFailsWith(result, "error RS0030", "CompileCheckProbe.cs", "Sleep");
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
