using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using Rig.Analysis.Derivation;
using Rig.Analysis.Export;
using Rig.Recording.Sessions;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Sessions;

/// <summary>
/// Journals recorded before the derivation was restructured (tests/vectors/sessions/README.md) rebuild every derived table
/// and export byte for byte: the hashes in each session's expected.sha256 were taken from the files the earlier code wrote.
/// </summary>
public sealed class RecordedSessionRegressionTests
{
    /// <summary>Set to 1 to rewrite every expected.sha256 from what the current code derives (after a deliberate change of the outputs).</summary>
    public const string UpdateVariable = "RIG_UPDATE_SESSION_VECTORS";

    public static TheoryData<string> Sessions()
    {
        var data = new TheoryData<string>();
        foreach (string folder in Directory.GetDirectories(RepositoryRoot.Combine("tests", "vectors", "sessions")).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(folder));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Sessions))]
    public void A_recorded_session_derives_and_exports_the_same_bytes_as_before(string name)
    {
        using var dir = new TempDirectory();
        string session = Unpack(name, dir.Combine(name));
        var expected = ReadExpected(name);
        var folder = SessionFolder.Open(session);
        var derivation = SessionDerivation.Derive(folder, new SessionSubject("gm1", new DateOnly(2026, 12, 6), 1));
        string derived = folder.DerivedPath;
        bool task = derivation.Task is not null;
        if (task)
        {
            TablesExport.Write([session], dir.Combine("tables"));
            Zhong2025Export.Write([session], dir.Combine("export-zhong2025"));
        }

        if (expected.Keys.Any(k => k.StartsWith("decode-export/", StringComparison.Ordinal)))
        {
            SessionDerivation.Derive(folder, dir.Combine("decode-export"));
        }

        var actual = new Dictionary<string, string>(StringComparer.Ordinal);
        AddHashes(actual, derived, "derived/");
        AddHashes(actual, dir.Combine("export-zhong2025"), "export-zhong2025/");
        AddHashes(actual, dir.Combine("decode-export"), "decode-export/");
        if (task)
        {
            AddHashes(actual, Directory.GetDirectories(dir.Combine("tables")).Single(), "export-tables/");
        }

        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            // Regenerating after a deliberate change of the outputs (README.md in the vectors folder says how and why).
            File.WriteAllLines(RepositoryRoot.Combine("tests", "vectors", "sessions", name, "expected.sha256"),
                actual.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value + "  " + p.Key));
            return;
        }

        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (file, hash) in expected)
        {
            Assert.True(hash == actual[file], $"{name}: {file} differs from what the code before the change derived");
        }
    }

    /// <summary>The one vector not recorded by rig demo: a VR session written by <see cref="SyntheticVrSession"/> (README.md).</summary>
    public const string VrVector = "vr-synthetic";

    [Fact]
    public void The_vr_vector_is_the_journal_its_helper_writes()
    {
        using var dir = new TempDirectory();
        var folder = SyntheticVrSession.Create().WriteFolder(dir.Combine("fresh"));
        string vector = RepositoryRoot.Combine("tests", "vectors", "sessions", VrVector);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            Directory.CreateDirectory(vector);
            File.Copy(Path.Combine(folder.Path, "session.json"), Path.Combine(vector, "session.json"), true);
            File.Copy(Path.Combine(folder.Path, "summary.json"), Path.Combine(vector, "summary.json"), true);
            using var output = new GZipStream(File.Create(Path.Combine(vector, "journal.rigj.gz")), CompressionLevel.SmallestSize);
            using var journal = File.OpenRead(folder.SegmentPath(1));
            journal.CopyTo(output);
            return;
        }

        string unpacked = Unpack(VrVector, dir.Combine("vector"));
        Assert.Equal(File.ReadAllBytes(folder.SegmentPath(1)), File.ReadAllBytes(Path.Combine(unpacked, "journal.rigj")));
    }

    [Fact]
    public void The_vr_vector_counts_its_frames_and_matches_them_to_the_photodiode()
    {
        using var dir = new TempDirectory();
        var derived = SessionDerivation.Compute(SessionFolder.Open(Unpack(VrVector, dir.Combine(VrVector))));
        var vr = derived.Alignment.Summary.Vr!;
        Assert.Equal(600, vr.Rendered);
        Assert.Equal(vr.Rendered, vr.Displayed + vr.Dropped + vr.Unobservable + vr.Unverified);
        Assert.True(vr.Displayed > 500 && vr.Dropped > 0 && vr.Unobservable > 0, $"{vr}");
        Assert.Equal(0, vr.Unexplained);
        Assert.Equal(derived.Replay.Counts.Vr!.Displayed, vr.Displayed);
    }

    /// <summary>Copies the recorded session into <paramref name="target"/>, with its journal unpacked.</summary>
    internal static string Unpack(string name, string target)
    {
        string source = RepositoryRoot.Combine("tests", "vectors", "sessions", name);
        Directory.CreateDirectory(target);
        File.Copy(Path.Combine(source, "session.json"), Path.Combine(target, "session.json"));
        File.Copy(Path.Combine(source, "summary.json"), Path.Combine(target, "summary.json"));
        using var packed = new GZipStream(File.OpenRead(Path.Combine(source, "journal.rigj.gz")), CompressionMode.Decompress);
        using var journal = File.Create(Path.Combine(target, "journal.rigj"));
        packed.CopyTo(journal);
        return target;
    }

    private static Dictionary<string, string> ReadExpected(string name)
    {
        var expected = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in File.ReadAllLines(RepositoryRoot.Combine("tests", "vectors", "sessions", name, "expected.sha256")))
        {
            var parts = line.Split("  ", 2);
            expected.Add(parts[1], parts[0]);
        }

        return expected;
    }

    private static void AddHashes(Dictionary<string, string> into, string folder, string prefix)
    {
        if (!Directory.Exists(folder))
        {
            return;
        }

        foreach (string file in Directory.GetFiles(folder))
        {
            into.Add(prefix + Path.GetFileName(file), Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))));
        }
    }
}
