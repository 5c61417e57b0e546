using System;
using System.Collections.Frozen;
using System.IO;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Rig.Renderer.Live;

/// <summary>
/// The console's routes (docs/console.md): pages <c>/</c>, <c>/rigs/{id}</c>, <c>/sessions</c>; their JSON under
/// <c>/api/</c>; the page files under <c>/console/</c>; a recorded session's files under <c>/sessions/{name}/files/</c>.
/// </summary>
internal static class ConsoleEndpoints
{
    private const string ResourcePrefix = "console/";

    private static Lazy<FrozenDictionary<string, byte[]>> Assets { get; } = new(() =>
        EmbeddedFiles.Load(ResourcePrefix, "fleet.html", "rig.html", "sessions.html", "console.css", "vendor/uPlot.esm.js", "vendor/uPlot.min.css"));

    public static void Map(WebApplication app, WebConsoleOptions options)
    {
        var assets = Assets.Value;
        app.MapGet("/console/{**path}", (HttpContext context, string path) => EmbeddedFiles.ServeAsync(context, assets, path, "console"));
        if (options.Hub is { } hub)
        {
            app.MapGet("/", (HttpContext context) => EmbeddedFiles.ServeAsync(context, assets, "fleet.html", "console"));
            app.MapGet("/rigs/{id}", (HttpContext context) => EmbeddedFiles.ServeAsync(context, assets, "rig.html", "console"));
            app.MapGet("/api/fleet", (HttpContext context) => EmbeddedFiles.WriteAsync(context, "application/json", hub.FleetJson()));
            app.MapGet("/api/rigs/{id}", (HttpContext context, string id) => hub.RigJson(id) is { } json
                ? EmbeddedFiles.WriteAsync(context, "application/json", json)
                : NotFound(context, $"no rig '{id}' in this console"));
        }
        else
        {
            app.MapGet("/", (HttpContext context) => { context.Response.Redirect("/sessions"); return Task.CompletedTask; });
        }

        if (options.SessionsFolder is { } folder)
        {
            var catalog = new SessionCatalog(folder);
            app.MapGet("/sessions", (HttpContext context) => EmbeddedFiles.ServeAsync(context, assets, "sessions.html", "console"));
            app.MapGet("/api/sessions", (HttpContext context) => EmbeddedFiles.WriteAsync(context, "application/json", catalog.ListJson()));
            app.MapGet("/api/sessions/{name}", (HttpContext context, string name) => catalog.DetailJson(name) is { } json
                ? EmbeddedFiles.WriteAsync(context, "application/json", json)
                : NotFound(context, $"no session '{name}' under {folder}"));
            app.MapGet("/sessions/{name}/files/{**path}", (HttpContext context, string name, string path) => catalog.FilePath(name, path) is { } file
                ? Results.File(file, EmbeddedFiles.ContentType(file), Path.GetFileName(file)).ExecuteAsync(context)
                : NotFound(context, $"no file '{path}' in session '{name}'"));
        }
    }

    private static Task NotFound(HttpContext context, string message)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return context.Response.WriteAsync(message);
    }
}
