using Lifeboat.Communication;
using Lifeboat.Communication.CustomerPages;
using Lifeboat.Communication.Templates;
using Lifeboat.Storage.Hosting;

namespace Lifeboat.Server.Communication;

/// <summary>
/// How the server's communication desk is set up, from <c>Lifeboat:Communication</c>: <c>Templates</c> (a folder of the
/// environment's own templates), <c>StatusFolder</c> (where the status page is rendered; default &lt;home&gt;/status),
/// <c>PublicUrl</c> (how customers reach this server: the status page, their pages and the support form hang off it),
/// <c>SupportEmail</c>. The link key is &lt;home&gt;/comms/link.key, made on first start.
/// </summary>
public static class CommunicationSettings
{
    public static string Home(IConfiguration configuration) => new LifeboatHome(Value(configuration, "Lifeboat:Home"), Value(configuration, "Lifeboat:Connection")).Path;

    public static string StatusFolder(IConfiguration configuration) =>
        Value(configuration, "Lifeboat:Communication:StatusFolder") ?? Path.Combine(Home(configuration), "status");

    public static CommunicationOptions Options(IConfiguration configuration)
    {
        var publicUrl = Value(configuration, "Lifeboat:Communication:PublicUrl") ?? Value(configuration, "Lifeboat:ConsoleUrl") ?? "http://127.0.0.1:5080";
        return new CommunicationOptions
        {
            Templates = Value(configuration, "Lifeboat:Communication:Templates") is { } folder ? UpdateTemplates.Load(folder) : UpdateTemplates.Defaults(),
            StatusFolder = StatusFolder(configuration),
            LinkKey = LinkKeyFile.LoadOrCreate(Path.Combine(Home(configuration), "comms", "link.key")),
            SupportEmail = Value(configuration, "Lifeboat:Communication:SupportEmail") ?? "support@example.com",
        }.AtPublicUrl(publicUrl, "Lifeboat:Communication:PublicUrl (or Lifeboat:ConsoleUrl)");
    }

    private static string? Value(IConfiguration configuration, string key) => configuration[key] is { Length: > 0 } value ? value : null;
}
