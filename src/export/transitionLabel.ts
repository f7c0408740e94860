import { guardText } from './guardExpression.js';
import type { OutlineTransition } from './machineOutline.js';

/** `EVENT [guard]`, the edge label the diagrams share. */
export function transitionLabel(transition: OutlineTransition): string {
  return transition.guard === undefined
    ? transition.event
    : `${transition.event} [${guardText(transition.guard, 'math')}]`;
}
