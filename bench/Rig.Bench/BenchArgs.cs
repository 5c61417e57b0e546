using System.Globalization;

namespace Rig.Bench;

/// <summary>The options the virtual-session benches share: how long, how fast, which seed.</summary>
internal static class BenchArgs
{
    /// <summary>
    /// Takes `--minutes M` (&gt; 0), `--speed S` (&gt; 0) or `--seed N` at <paramref name="i"/> (advancing past its value) and returns
    /// true; false for any other argument, or a value missing or out of range, which the caller reports as a bad argument.
    /// </summary>
    public static bool TryTakeRun(string[] args, ref int i, ref double minutes, ref double speed, ref int seed)
    {
        var c = CultureInfo.InvariantCulture;
        if (i + 1 >= args.Length)
        {
            return false;
        }

        switch (args[i])
        {
            case "--minutes" when double.TryParse(args[i + 1], NumberStyles.Float, c, out double m) && m > 0:
                minutes = m;
                break;
            case "--speed" when double.TryParse(args[i + 1], NumberStyles.Float, c, out double s) && s > 0:
                speed = s;
                break;
            case "--seed" when int.TryParse(args[i + 1], NumberStyles.Integer, c, out int n):
                seed = n;
                break;
            default:
                return false;
        }

        i++;
        return true;
    }
}
