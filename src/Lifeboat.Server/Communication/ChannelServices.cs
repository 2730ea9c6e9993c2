using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Lifeboat.Server.Communication;

/// <summary>The communication desk, the channels' settings and workers, their HTTP client, and the subscription form's rate limit.</summary>
public static class ChannelServices
{
    /// <summary>Subscribing sends mail, so it is held tighter than the other anonymous endpoints (Lifeboat:RateLimits:SubscribePerMinute, default 10 per client address).</summary>
    public const string SubscribePolicy = "comms-subscribe";

    public static IServiceCollection AddCommunicationChannels(this IServiceCollection services, IConfiguration configuration)
    {
        // Opened after the incident desk, which it is built on; the workers start after it.
        services.AddSingleton<CommunicationDeskLifetime>();
        services.AddHostedService(sp => sp.GetRequiredService<CommunicationDeskLifetime>());
        services.AddSingleton(_ => ChannelSettings.Read(configuration));
        services.AddScoped(sp => sp.GetRequiredService<CommunicationDeskLifetime>().For(sp.GetRequiredService<IHttpContextAccessor>().HttpContext));
        services.AddHttpClient(WebhookWorker.Client, c => c.Timeout = TimeSpan.FromSeconds(30))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.AddHostedService<MailWorker>();
        services.AddHostedService<WebhookWorker>();
        services.AddHostedService<ProgressUpdates>();
        var perMinute = configuration.GetValue("Lifeboat:RateLimits:SubscribePerMinute", 10);
        services.Configure<RateLimiterOptions>(o => o.AddPolicy(SubscribePolicy, http =>
            RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = Math.Max(1, perMinute),
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            })));
        return services;
    }
}
