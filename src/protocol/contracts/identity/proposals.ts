/**
 * Proposal lifecycle shared by the propose actions and the vote action: creation, the
 * tally and the decision. [R-IDENTITY-5] A proposal passes when yes votes of active
 * organizations are MORE than two thirds of the active organizations: 3 * yes > 2 * n, in
 * integers. It is rejected as soon as that can no longer happen.
 */
import { type ActionContext, type ActionOutcome, OK, type StateRead } from '../engine/module.js';
import { requireAdmin } from './authorize.js';
import { applyChange, checkChange } from './governance.js';
import { loadOrganization, loadSummary, saveProposal, saveSummary } from './state.js';
import { PROPOSAL_LIFETIME_BLOCKS, type Proposal, type ProposalChange } from './types.js';

export function createProposal(context: ActionContext, change: ProposalChange): ActionOutcome {
  const admin = requireAdmin(context);
  if (!admin.ok) {
    return admin;
  }
  const problem = checkChange(context.get, change);
  if (problem !== undefined) {
    return problem;
  }
  const summary = loadSummary(context.get);
  const proposal: Proposal = {
    id: summary.proposalNext,
    proposer: admin.value.id,
    change,
    createdAt: context.height,
    expiresAt: context.height + PROPOSAL_LIFETIME_BLOCKS,
    votes: {},
    status: 'open',
  };
  saveProposal(context, proposal);
  saveSummary(context, { ...summary, proposalNext: summary.proposalNext + 1 });
  context.emit('proposal_created', {
    proposal: proposal.id,
    type: change.type,
    organization: targetOf(change),
    proposer: proposal.proposer,
  });
  return OK;
}

function targetOf(change: ProposalChange): string {
  return change.type === 'admit_organization' ? change.organization.id : change.organization;
}

export type Tally = { yes: number; no: number; active: number };

/** Counts only votes of organizations that are still active. */
export function tally(get: StateRead, proposal: Proposal): Tally {
  let yes = 0;
  let no = 0;
  for (const [organization, vote] of Object.entries(proposal.votes)) {
    if (loadOrganization(get, organization)?.active !== true) {
      continue;
    }
    if (vote) {
      yes++;
    } else {
      no++;
    }
  }
  return { yes, no, active: loadSummary(get).organizationsActive };
}

export function hasPassed(tally: Tally): boolean {
  return 3 * tally.yes > 2 * tally.active;
}

/** Even if every organization yet to vote said yes, the proposal could not pass. */
export function cannotPass(tally: Tally): boolean {
  return 3 * (tally.active - tally.no) <= 2 * tally.active;
}

/** Decides a proposal after a vote: apply it, reject it, or leave it open. */
export function decide(context: ActionContext, proposal: Proposal): void {
  const counted = tally(context.get, proposal);
  if (hasPassed(counted)) {
    const problem = checkChange(context.get, proposal.change);
    if (problem !== undefined) {
      saveProposal(context, {
        ...proposal,
        status: 'failed',
        decidedAt: context.height,
        failure: problem.result.name,
      });
      context.emit('proposal_failed', { proposal: proposal.id, reason: problem.result.name });
      return;
    }
    saveProposal(context, { ...proposal, status: 'passed', decidedAt: context.height });
    applyChange(context, proposal.change);
    context.emit('proposal_passed', { proposal: proposal.id, yes: counted.yes });
    return;
  }
  if (cannotPass(counted)) {
    saveProposal(context, { ...proposal, status: 'rejected', decidedAt: context.height });
    context.emit('proposal_rejected', { proposal: proposal.id, no: counted.no });
    return;
  }
  saveProposal(context, proposal);
}
