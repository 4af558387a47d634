using System.ComponentModel.DataAnnotations;
using Console.Contracts.WorkPools;

namespace Console.Core.WorkPools;

/// <summary>Server-wide defaults for new work pools, bound from the "WorkPools" section (env: <c>WorkPools__DefaultImage=...</c>).</summary>
public sealed class WorkPoolOptions
{
    public const string Section = "WorkPools";

    /// <summary>The product's default (<see cref="WorkPoolTypes.DefaultImage"/>); flow projects without a Dockerfile are built FROM it.</summary>
    public const string ProductDefaultImage = WorkPoolTypes.DefaultImage;

    /// <summary>The <c>image</c> default of a new docker or docker-swarm pool's base job template.</summary>
    [Required]
    [RegularExpression(@"^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}$", ErrorMessage = "WorkPools:DefaultImage must be an image reference such as alpine:3.21.")]
    public string DefaultImage { get; set; } = ProductDefaultImage;
}
