using System;
using System.Collections.Frozen;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace Rig.Renderer;

/// <summary>The web files embedded in this assembly (the renderer's and the console's), served by <see cref="RigWebServer"/>.</summary>
internal static class EmbeddedFiles
{
    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".json"] = "application/json",
        [".csv"] = "text/csv; charset=utf-8",
        [".png"] = "image/png",
        [".txt"] = "text/plain; charset=utf-8",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>The files under <paramref name="prefix"/> (e.g. "renderer/"), by path below it; throws when one of <paramref name="required"/> is missing.</summary>
    public static FrozenDictionary<string, byte[]> Load(string prefix, params string[] required)
    {
        var assembly = typeof(EmbeddedFiles).Assembly;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)
                ?? throw new InvalidOperationException($"the web file {name} is listed in {assembly.GetName().Name} but cannot be read");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[name[prefix.Length..].Replace('\\', '/')] = copy.ToArray();
        }

        var missing = required.Where(r => !files.ContainsKey(r)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"{assembly.GetName().Name} was built without its {prefix.TrimEnd('/')} files ({string.Join(", ", missing)})");
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public static string ContentType(string path) => ContentTypes.GetValueOrDefault(Path.GetExtension(path), "application/octet-stream");

    public static Task WriteAsync(HttpContext context, string contentType, byte[] bytes)
    {
        context.Response.ContentType = contentType;
        context.Response.ContentLength = bytes.Length;
        return context.Response.Body.WriteAsync(bytes, 0, bytes.Length, context.RequestAborted);
    }

    /// <summary>Serves <paramref name="name"/> from <paramref name="files"/>, or a 404 naming it.</summary>
    public static Task ServeAsync(HttpContext context, FrozenDictionary<string, byte[]> files, string name, string what)
    {
        if (!files.TryGetValue(name, out var bytes))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return context.Response.WriteAsync($"no {what} file '{name}'");
        }

        return WriteAsync(context, ContentType(name), bytes);
    }
}
