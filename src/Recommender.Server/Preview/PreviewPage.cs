using System.Reflection;

namespace Recommender.Server.Preview;

/// <summary>
/// The editors' preview page: static HTML, CSS and JavaScript compiled into the assembly, talking to
/// the service through its JSON transcoding (the /v1/... routes), so it needs no build step and no
/// files beside the binary.
/// </summary>
public static class PreviewPage
{
    private static readonly (string Route, string Resource, string ContentType)[] Files =
    [
        ("/preview", "index.html", "text/html; charset=utf-8"),
        ("/preview/preview.js", "preview.js", "text/javascript; charset=utf-8"),
        ("/preview/preview.css", "preview.css", "text/css; charset=utf-8"),
    ];

    public static WebApplication MapPreviewPage(this WebApplication app)
    {
        foreach (var (route, resource, contentType) in Files)
        {
            var bytes = Read(resource);
            app.MapGet(route, () => Results.Bytes(bytes, contentType));
        }
        return app;
    }

    private static byte[] Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Preview." + name)
            ?? throw new InvalidOperationException($"The preview page's {name} is missing from the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
