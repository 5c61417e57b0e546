namespace Rig.Protocol.Tests.Subset;

/// <summary>Device-style code that both guards must accept: structs with fields, byte[] buffers, switch, interfaces,
/// non-generic delegates and IEnumerable, exceptions, lock, Interlocked on int, string concatenation.</summary>
internal static class SubsetSamples
{
    public const string Clean = """
            using System;
            using System.Collections;
            using System.Threading;

            namespace Rig.Sample
            {
                /// <summary>A wire sample: public fields, no properties.</summary>
                public struct Sample
                {
                    public uint TimestampUs;
                    public short Value;
                }

                public interface ISink
                {
                    void Write(byte[] buffer, int offset, int count);
                }

                public delegate void SampleHandler(object sender, Sample sample);

                public sealed class SampleRing : ISink, IEnumerable
                {
                    private readonly Sample[] _samples = new Sample[64];
                    private readonly byte[] _scratch = new byte[16];
                    private readonly object _lock = new object();
                    private string? _name;
                    private int _count;

                    public event SampleHandler? Added;

                    public void Write(byte[] buffer, int offset, int count)
                    {
                        if (buffer == null || count > _scratch.Length)
                        {
                            throw new ArgumentException("count " + count + " exceeds " + _scratch.Length);
                        }

                        Array.Copy(buffer, offset, _scratch, 0, count);
                        Array.Clear(_scratch, count, _scratch.Length - count);
                        switch (_scratch[0])
                        {
                            case 1:
                                Add(new Sample { TimestampUs = 1, Value = (short)_scratch[1] });
                                break;
                            default:
                                throw new InvalidOperationException("unknown kind " + _scratch[0]);
                        }
                    }

                    public void Add(Sample sample)
                    {
                        lock (_lock)
                        {
                            _samples[_count % _samples.Length] = sample;
                            _count = Math.Min(_count + 1, int.MaxValue - 1);
                        }

                        Interlocked.Increment(ref _count);
                        SampleHandler? handler = Added;
                        if (handler != null)
                        {
                            handler(this, sample);
                        }
                    }

                    public string Describe()
                    {
                        string name = _name ?? "ring";
                        return name + ": " + _count.ToString() + " samples";
                    }

                    public IEnumerator GetEnumerator()
                    {
                        return _samples.GetEnumerator();
                    }

                    public int Sum()
                    {
                        int total = 0;
                        foreach (Sample s in _samples)
                        {
                            total += s.Value;
                        }

                        try
                        {
                            return checked(total * 2);
                        }
                        catch (OverflowException)
                        {
                            return int.MaxValue;
                        }
                        finally
                        {
                            _name = null;
                        }
                    }
                }
            }
            """;
}
