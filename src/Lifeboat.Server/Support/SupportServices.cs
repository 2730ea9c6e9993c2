using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Lifeboat.Server.Support;

/// <summary>The support desk in the server: opened after the communication desk, its intake limits, and the incident tickets pass.</summary>
public static class SupportServices
{
    public static IServiceCollection AddLifeboatSupport(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = SupportSettings.Read(configuration);
        services.AddSingleton(settings);
        services.AddSingleton<SupportDeskLifetime>();
        services.AddHostedService(sp => sp.GetRequiredService<SupportDeskLifetime>());
        services.AddSingleton<IntakeLimits>();
        services.AddHostedService<IncidentTicketWorker>();
        services.AddHostedService<SupportClockWorker>();
        // Mail to the support address, relayed by the local mail server; off unless Lifeboat:Support:Inbound:Listen is set.
        services.AddSingleton(InboundMailSettings.Read(configuration));
        services.AddHostedService<InboundMailListener>();
        services.AddScoped(sp => sp.GetRequiredService<SupportDeskLifetime>().For(sp.GetRequiredService<IHttpContextAccessor>().HttpContext));
        return services.Configure<RateLimiterOptions>(o => o.AddPolicy(IntakeLimits.NetworkPolicy, http =>
            RateLimitPartition.GetFixedWindowLimiter(IntakeLimits.NetworkOf(http.Connection.RemoteIpAddress), _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = settings.PerNetworkPerMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            })));
    }
}
