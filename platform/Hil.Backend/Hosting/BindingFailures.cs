using System.Globalization;
using Microsoft.AspNetCore.Http.Metadata;

namespace Hil.Backend.Hosting;

/// <summary>
/// The compiled request delegates (the Request Delegate Generator, Hil.Backend.csproj) answer a route or query value that
/// does not parse into a nullable parameter (<c>?from=yesterday</c>) with an empty 400, where the runtime binder threw
/// as <see cref="RouteHandlerOptions.ThrowOnBadRequest"/> asks. This names the value the same way, so that
/// <see cref="ErrorHandling"/> answers 400 with the reason, as before.
/// </summary>
internal static class BindingFailures
{
    public static async Task ExplainAsync(HttpContext context, RequestDelegate next)
    {
        await next(context);
        if (context.Response.StatusCode != StatusCodes.Status400BadRequest || context.Response.HasStarted) return;
        IReadOnlyList<IParameterBindingMetadata>? parameters = context.GetEndpoint()?.Metadata.GetOrderedMetadata<IParameterBindingMetadata>();
        foreach (IParameterBindingMetadata parameter in parameters ?? [])
        {
            if (!parameter.HasTryParse) continue;
            string? raw = context.Request.RouteValues.TryGetValue(parameter.Name, out object? value) ? value?.ToString() : context.Request.Query[parameter.Name];
            Type type = parameter.ParameterInfo.ParameterType;
            if (string.IsNullOrEmpty(raw) || Parses(Nullable.GetUnderlyingType(type) ?? type, raw)) continue;
            string typeName = Nullable.GetUnderlyingType(type) is { } inner ? $"{Keyword(inner)}?" : Keyword(type);
            throw new BadHttpRequestException($"Failed to bind parameter \"{typeName} {parameter.Name}\" from \"{raw}\".");
        }
    }

    // As the generated delegates parse them (invariant culture; times without an offset are UTC). A type not listed
    // here counts as parsed: the 400 then stays as it was.
    private static bool Parses(Type type, string raw) => type switch
    {
        _ when type == typeof(DateTimeOffset) => DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out _),
        _ when type == typeof(int) => int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
        _ when type == typeof(long) => long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
        _ when type == typeof(double) => double.TryParse(raw, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out _),
        _ => true,
    };

    private static string Keyword(Type type) => type == typeof(int) ? "int" : type == typeof(long) ? "long" : type == typeof(double) ? "double" : type.Name;
}
