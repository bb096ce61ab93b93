// Flag parsers shared by the commands (commander calls them with the raw string).
import { InvalidArgumentError } from 'commander';

export function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer for ${name}`);
    return n;
  };
}

export function nonNegativeInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer for ${name}`);
    return n;
  };
}

export function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number for ${name}`);
    return n;
  };
}

export function ratio(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || n >= 1) throw new InvalidArgumentError(`expected a number in [0, 1) for ${name}`);
    return n;
  };
}

export function typeList(value: string): string[] {
  const types = value.split(',').map((t) => t.trim()).filter(Boolean);
  if (types.length === 0) throw new InvalidArgumentError('expected a comma-separated list of entity types');
  return types;
}
