using System;
using System.Diagnostics;

namespace Rig.TestSupport;

/// <summary>The REAL h5dump (Debian's hdf5-tools, installed by scripts/install-deps.sh): the HDF5 library's own reader.</summary>
public static class H5Dump
{
    /// <summary>`h5dump -H FILE`: the exit code and everything it printed (the header of every group, dataset and attribute).</summary>
    public static (int ExitCode, string Output) Header(string file)
    {
        var start = new ProcessStartInfo("h5dump", ["-H", file]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("h5dump did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("h5dump not found: run ./scripts/install-deps.sh (apt-get install hdf5-tools)", e);
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, stdout + stderr.Result);
        }
    }
}
