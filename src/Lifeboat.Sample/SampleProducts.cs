using Lifeboat.Platform;

namespace Lifeboat.Sample;

/// <summary>The sample SaaS in the platform's catalogs: its two products and the marketplace app of the April 2022 scenario.</summary>
public static class SampleProducts
{
    public static readonly ProductId TrackerProduct = ProductId.Parse("prd_tracker");
    public static readonly ProductId WikiProduct = ProductId.Parse("prd_wiki");

    /// <summary>The legacy app most sites have installed, and that the April 2022 script set out to uninstall.</summary>
    public static readonly AppId LegacyInsightsApp = AppId.Parse("app_legacyinsights");

    /// <summary>Adds the products and the app to the catalogs. Running it again changes nothing.</summary>
    public static async Task RegisterAsync(LifeboatPlatform platform, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(platform);
        await platform.Provisioning.RegisterProductAsync(TrackerProduct, "Tracker", cancellationToken);
        await platform.Provisioning.RegisterProductAsync(WikiProduct, "Wiki", cancellationToken);
        await platform.Apps.RegisterAsync(LegacyInsightsApp, "Legacy Insights", "Insightful Apps Ltd", cancellationToken);
    }
}
