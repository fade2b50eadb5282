/**
 * Actions records.linkDevice and records.unlinkDevice: a patient declares a device (a
 * member of kind device, registered with its own key by the patient's organization) as
 * theirs, or withdraws it. Only a linked device anchors readings for that patient, so
 * both the organization (which registered the key) and the patient (who signs the link)
 * vouch for it.
 */
import { object } from '../engine/args.js';
import { type ActionDefinition, failure, OK } from '../engine/module.js';
import { denied } from '../identity/authorize.js';
import { loadMember } from '../identity/state.js';
import { signingPatient } from './authorize.js';
import { memberId } from './fields.js';
import { RECORDS_RESULTS } from './results.js';
import { loadDevice, saveDevice } from './state.js';

export type LinkDeviceParams = { device: string };

export const linkDevice: ActionDefinition<LinkDeviceParams> = {
  name: 'linkDevice',
  args: object({ device: memberId }),
  execute(context, args) {
    const patient = signingPatient(context);
    if (patient === undefined) {
      return denied('only a patient links a device, with its own key');
    }
    const device = loadMember(context.get, args.device);
    if (device === undefined || device.kind !== 'device' || !device.active) {
      return failure(RECORDS_RESULTS.device_not_found, `no active device ${args.device}`);
    }
    if (device.organization !== patient.organization) {
      return denied(`device ${device.id} is not registered by the patient's organization`);
    }
    if (loadDevice(context.get, device.id)?.active === true) {
      return failure(RECORDS_RESULTS.device_linked, `device ${device.id} is already linked`);
    }
    saveDevice(context, {
      device: device.id,
      patient: patient.id,
      linkedAt: context.height,
      active: true,
    });
    context.emit('device_linked', { device: device.id, patient: patient.id });
    return OK;
  },
};

export type UnlinkDeviceParams = { device: string };

export const unlinkDevice: ActionDefinition<UnlinkDeviceParams> = {
  name: 'unlinkDevice',
  args: object({ device: memberId }),
  execute(context, args) {
    const patient = signingPatient(context);
    if (patient === undefined) {
      return denied('only a patient unlinks a device, with its own key');
    }
    const link = loadDevice(context.get, args.device);
    if (link === undefined || !link.active || link.patient !== patient.id) {
      return failure(RECORDS_RESULTS.device_not_linked, `device ${args.device} is not yours`);
    }
    saveDevice(context, { ...link, active: false });
    context.emit('device_unlinked', { device: link.device, patient: patient.id });
    return OK;
  },
};
