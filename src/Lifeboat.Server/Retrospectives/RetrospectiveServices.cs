namespace Lifeboat.Server.Retrospectives;

/// <summary>The retrospective desk, opened after the communication desk it reads, the request-scoped desk, and the server's pass.</summary>
public static class RetrospectiveServices
{
    public static IServiceCollection AddRetrospectives(this IServiceCollection services)
    {
        services.AddSingleton<RetrospectiveDeskLifetime>();
        services.AddHostedService(sp => sp.GetRequiredService<RetrospectiveDeskLifetime>());
        services.AddScoped(sp => sp.GetRequiredService<RetrospectiveDeskLifetime>().For(sp.GetRequiredService<IHttpContextAccessor>().HttpContext));
        services.AddHostedService<RetrospectivePass>();
        return services;
    }
}
