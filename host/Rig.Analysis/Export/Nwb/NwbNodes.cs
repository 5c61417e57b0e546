using System;
using System.Collections.Generic;
using PureHDF;

namespace Rig.Analysis.Export.Nwb;

/// <summary>
/// Groups and datasets of NWB 2.6 core types as PureHDF objects: every typed object carries the attributes the schema
/// and hdmf read its type from (<c>neurodata_type</c>, <c>namespace</c>) and a UUID4 <c>object_id</c>. Datasets are
/// plain arrays: PureHDF writes them contiguous and unfiltered (chunked+gzip files have been refused by newer HDF5).
/// </summary>
internal static class NwbNodes
{
    public const string Core = "core";
    public const string HdmfCommon = "hdmf-common";

    /// <summary>A group of an NWB core type (or hdmf-common with <paramref name="ns"/>).</summary>
    public static H5Group Group(string type, string ns = Core)
    {
        var group = new H5Group();
        Typed(group.Attributes, type, ns);
        return group;
    }

    /// <summary>A dataset of an NWB type with its data.</summary>
    public static H5Dataset Dataset(string type, object data, string ns = Core)
    {
        var dataset = new H5Dataset(data);
        Typed(dataset.Attributes, type, ns);
        return dataset;
    }

    /// <summary>An untyped dataset with attributes (a TimeSeries' data, timestamps).</summary>
    public static H5Dataset Plain(object data, params (string Name, object Value)[] attributes)
    {
        var dataset = new H5Dataset(data);
        foreach (var (name, value) in attributes)
        {
            dataset.Attributes[name] = value;
        }

        return dataset;
    }

    /// <summary>
    /// A TimeSeries (or subtype) with one value per timestamp: <paramref name="data"/> in <paramref name="unit"/> after
    /// multiplying by <paramref name="conversion"/>, timestamps in seconds from timestamps_reference_time.
    /// </summary>
    public static H5Group TimeSeries(string type, string description, Array data, double[] timestampsSeconds, string unit,
        double conversion = 1.0, double resolution = -1.0, string? comments = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(timestampsSeconds);
        if (data.Length != timestampsSeconds.Length)
        {
            throw new ArgumentException($"a {type} needs one timestamp per value: {data.Length} values, {timestampsSeconds.Length} timestamps", nameof(data));
        }

        return TimeSeries(type, description, data, Timestamps(timestampsSeconds), unit, conversion, resolution, comments);
    }

    /// <summary>
    /// A TimeSeries whose timestamps dataset is <paramref name="timestamps"/>: given the dataset of another series, PureHDF
    /// writes it once and links it here (an HDF5 hard link), as NWB shares timestamps between series that have the same.
    /// </summary>
    public static H5Group TimeSeries(string type, string description, Array data, H5Dataset timestamps, string unit,
        double conversion = 1.0, double resolution = -1.0, string? comments = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var series = Group(type);
        series.Attributes["description"] = description;
        series.Attributes["comments"] = comments ?? "no comments";
        // resolution -1.0 is the schema's "unknown".
        series["data"] = Plain(data, ("unit", unit), ("conversion", conversion), ("resolution", resolution), ("offset", 0.0));
        series["timestamps"] = timestamps;
        return series;
    }

    /// <summary>A TimeSeries' timestamps: seconds from timestamps_reference_time, every one stored (interval 1, the schema's fixed value).</summary>
    public static H5Dataset Timestamps(double[] seconds) => Plain(seconds, ("interval", 1), ("unit", "seconds"));

    /// <summary>A VectorData column of a DynamicTable.</summary>
    public static H5Dataset Column(object data, string description)
    {
        var column = Dataset("VectorData", data, HdmfCommon);
        column.Attributes["description"] = description;
        return column;
    }

    /// <summary>A group of NWBDataInterface children (a ProcessingModule, Position, BehavioralTimeSeries).</summary>
    public static H5Group Container(string type, string? description, IEnumerable<KeyValuePair<string, H5Group>> children)
    {
        ArgumentNullException.ThrowIfNull(children);
        var group = Group(type);
        if (description is not null)
        {
            group.Attributes["description"] = description;
        }

        foreach (var (name, child) in children)
        {
            group[name] = child;
        }

        return group;
    }

    private static void Typed(Dictionary<string, object> attributes, string type, string ns)
    {
        attributes["neurodata_type"] = type;
        attributes["namespace"] = ns;
        attributes["object_id"] = Guid.NewGuid().ToString(); // version 4 (random), as NWB's object_id is
    }
}
